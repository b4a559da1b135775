import { createServer } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { Receiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/hono';
import { Hono } from 'hono';
import type { RunningServer, ServerTimeouts } from './node-server.js';
import { listenOnLoopback, SERVER_TIMEOUTS } from './node-server.js';

/** A real Hono 4 app on @hono/node-server on loopback with the webhook route at /webhooks, and the server timeouts the README recommends. */
export async function startHono(receiver: Receiver, timeouts: ServerTimeouts = SERVER_TIMEOUTS): Promise<RunningServer> {
  const app = new Hono();
  app.use('/webhooks/*', presenceWebhooks(receiver));
  const server = createAdaptorServer({ fetch: app.fetch, createServer, serverOptions: timeouts });
  return listenOnLoopback(server as ReturnType<typeof createServer>, '/webhooks');
}
