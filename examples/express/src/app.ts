import type { Receiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/express';
import express from 'express';

/** The example app: the webhook route, then the app's own JSON routes (parsed after, so raw bytes stay intact). */
export function createApp(receiver: Receiver): express.Express {
  const app = express();
  app.use('/webhooks', presenceWebhooks(receiver));
  app.use(express.json());
  app.get('/channels/:channel/members', async (req, res) => {
    res.json(await receiver.store.members(req.params.channel));
  });
  return app;
}
