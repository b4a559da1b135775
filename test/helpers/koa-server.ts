import { createServer } from 'node:http';
import type { Receiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/koa';
import Koa from 'koa';
import type { RunningServer, ServerTimeouts } from './node-server.js';
import { listenOnLoopback, SERVER_TIMEOUTS } from './node-server.js';

/**
 * A real Koa 3 server on loopback with the webhook route at /webhooks, and the server timeouts the README recommends;
 * `setup` may set the application's own settings first (e.g. `app.proxy`).
 */
export async function startKoa(
  receiver: Receiver,
  timeouts: ServerTimeouts = SERVER_TIMEOUTS,
  setup?: (app: Koa) => void,
): Promise<RunningServer> {
  const app = new Koa();
  setup?.(app);
  app.use(presenceWebhooks(receiver, { path: '/webhooks' }));
  return listenOnLoopback(createServer(timeouts, app.callback()), '/webhooks');
}
