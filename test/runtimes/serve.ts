/**
 * A tiny server run under Bun (`Bun.serve`) or Deno (`Deno.serve`) by test/runtimes.test.ts: the web
 * handler on /webhooks (read endpoint on) and the Hono middleware on /hono/webhooks, each given the
 * runtime's second argument (Bun's server, Deno's info: the client's address). It prints `{"port":N}` once
 * listening, `{"rejectedFrom":address}` for each refusal, and serves until it is killed.
 */
import { createReceiver } from '@presence-webhooks/core';
import { presenceWebhooks as honoWebhooks } from '@presence-webhooks/hono';
import { presenceWebhooks } from '@presence-webhooks/web';
import { Hono } from 'hono';

declare const Bun:
  | { serve(options: { port: number; hostname: string; fetch(request: Request, server: object): Promise<Response> }): { port: number } }
  | undefined;
declare const Deno: {
  env: { get(name: string): string | undefined };
  serve(
    options: { port: number; hostname: string; onListen(address: { port: number }): void },
    handler: (request: Request, info: object) => Promise<Response>,
  ): unknown;
};

const key = typeof Bun !== 'undefined' ? process.env.ABLY_KEY : Deno.env.get('ABLY_KEY');
if (key === undefined) throw new Error('Set ABLY_KEY');
const receiver = createReceiver({
  ably: { keys: [key] },
  readEndpoint: true,
  bodyLimit: 64 * 1024,
  onReject: (info) => console.log(JSON.stringify({ rejectedFrom: info.remoteAddress ?? null })),
});
const web = presenceWebhooks(receiver, { path: '/webhooks' });
const app = new Hono();
app.use('/hono/webhooks/*', honoWebhooks(receiver));

const fetch = async (request: Request, context: object): Promise<Response> =>
  new URL(request.url).pathname.startsWith('/hono/') ? app.fetch(request, context) : web(request, context);
const ready = (port: number) => console.log(JSON.stringify({ port }));

if (typeof Bun !== 'undefined') ready(Bun.serve({ port: 0, hostname: '127.0.0.1', fetch }).port);
else Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => ready(port) }, fetch);
