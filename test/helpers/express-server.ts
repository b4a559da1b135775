import type { AddressInfo } from 'node:net';
import type { Receiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/express';
import express from 'express';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** A real Express 5 server on loopback with the webhook route at /webhooks. */
export async function startExpress(receiver: Receiver, setup?: (app: express.Express) => void): Promise<RunningServer> {
  const app = express();
  setup?.(app);
  app.use('/webhooks', presenceWebhooks(receiver));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface PostResult {
  status: number;
  headers: Headers;
  json: unknown;
}

/** POST a built request over real HTTP and read the JSON answer. */
export async function postTo(url: string, request: { headers: Record<string, string>; body: Uint8Array }, method = 'POST'): Promise<PostResult> {
  const res = await fetch(url, { method, headers: request.headers, body: method === 'GET' || method === 'HEAD' ? undefined : request.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}
