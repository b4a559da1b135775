import type { Receiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/fastify';
import Fastify from 'fastify';
import type { RunningServer, ServerTimeouts } from './node-server.js';
import { listenOnLoopback, SERVER_TIMEOUTS } from './node-server.js';

/**
 * A real Fastify 5 server on loopback with the plugin at /webhooks, and the settings the README
 * recommends: Fastify's `requestTimeout` (0, off, by default) and `connectionTimeout`, and Node's
 * `headersTimeout` through `http`.
 */
export async function startFastify(receiver: Receiver, timeouts: ServerTimeouts = SERVER_TIMEOUTS): Promise<RunningServer> {
  const app = Fastify({
    requestTimeout: timeouts.requestTimeout,
    connectionTimeout: timeouts.requestTimeout * 2,
    http: { headersTimeout: timeouts.headersTimeout, connectionsCheckingInterval: timeouts.connectionsCheckingInterval },
    forceCloseConnections: true, // a test's close() does not wait for a slow client
  });
  await app.register(presenceWebhooks, { receiver, prefix: '/webhooks' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const running = await listenOnLoopback(app.server, '/webhooks');
  return { url: running.url, close: () => app.close() };
}
