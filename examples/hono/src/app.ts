import type { Receiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/hono';
import { Hono } from 'hono';

/**
 * The example app: presence webhooks on /webhooks (and the read endpoint under it when the receiver
 * has one), then the app's own route reading the presence set. The same app runs on Node (see
 * server.ts), Bun (`export default app`) and Deno (`Deno.serve(app.fetch)`).
 */
export function createApp(receiver: Receiver): Hono {
  const app = new Hono();
  app.use('/webhooks/*', presenceWebhooks(receiver));
  app.get('/channels/:channel/members', async (c) => c.json(await receiver.store.members(c.req.param('channel'))));
  return app;
}
