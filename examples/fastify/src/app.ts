import type { Server } from 'node:http';
import type { Receiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/fastify';
import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import Fastify from 'fastify';

/**
 * The example app: the plugin on /webhooks (encapsulated: its byte parsers stay on that route),
 * and the app's own routes with Fastify's usual JSON parsing. `options` are Fastify's (the server
 * timeouts: see server.ts).
 */
export async function createApp(receiver: Receiver, options: FastifyHttpOptions<Server> = {}): Promise<FastifyInstance> {
  const app = Fastify(options);
  await app.register(presenceWebhooks, { receiver, prefix: '/webhooks' });
  app.get<{ Params: { channel: string } }>('/channels/:channel/members', async (request) => receiver.store.members(request.params.channel));
  return app;
}
