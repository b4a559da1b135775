import { createServer } from 'node:http';
import type { Receiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/express';
import express from 'express';
import type { RunningServer, ServerTimeouts } from './node-server.js';
import { listenOnLoopback, SERVER_TIMEOUTS } from './node-server.js';

export type { RunningServer } from './node-server.js';

/** A real Express 5 server on loopback with the webhook route at /webhooks, and the server timeouts the README recommends. */
export async function startExpress(
  receiver: Receiver,
  setup?: (app: express.Express) => void,
  timeouts: ServerTimeouts = SERVER_TIMEOUTS,
): Promise<RunningServer> {
  const app = express();
  setup?.(app);
  app.use('/webhooks', presenceWebhooks(receiver));
  return listenOnLoopback(createServer(timeouts, app), '/webhooks');
}

export interface PostResult {
  status: number;
  headers: Headers;
  json: unknown;
}

/** POST a built request over real HTTP and read the JSON answer. */
export async function postTo(
  url: string,
  request: { headers: Record<string, string>; body: Uint8Array },
  method = 'POST',
): Promise<PostResult> {
  const res = await fetch(url, {
    method,
    headers: request.headers,
    body: method === 'GET' || method === 'HEAD' ? undefined : request.body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}
