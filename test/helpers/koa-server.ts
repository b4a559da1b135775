import { createServer } from 'node:http';
import type { Receiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/koa';
import Koa from 'koa';
import type { RunningServer, ServerTimeouts } from './node-server.js';
import { listenOnLoopback, SERVER_TIMEOUTS } from './node-server.js';

/** A real Koa 3 server on loopback with the webhook route at /webhooks, and the server timeouts the README recommends. */
export async function startKoa(receiver: Receiver, timeouts: ServerTimeouts = SERVER_TIMEOUTS): Promise<RunningServer> {
  const app = new Koa();
  app.use(presenceWebhooks(receiver, { path: '/webhooks' }));
  return listenOnLoopback(createServer(timeouts, app.callback()), '/webhooks');
}
