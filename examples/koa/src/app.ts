import { bodyParser } from '@koa/bodyparser';
import type { Receiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/koa';
import Koa from 'koa';

/**
 * The example app: the webhook route first, then the app's own JSON parsing and routes. (Mounted
 * after @koa/bodyparser it would still work, from ctx.request.rawBody, for UTF-8 JSON.)
 */
export function createApp(receiver: Receiver): Koa {
  const app = new Koa();
  app.use(presenceWebhooks(receiver, { path: '/webhooks' }));
  app.use(bodyParser());
  app.use(async (ctx, next) => {
    const match = /^\/channels\/([^/]+)\/members$/.exec(ctx.path);
    if (ctx.method !== 'GET' || match === null) return next();
    ctx.body = await receiver.store.members(decodeURIComponent(match[1] ?? ''));
  });
  return app;
}
