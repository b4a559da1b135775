import { createReceiver } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { presenceWebhooks, type PresenceWebhooksWebHandler } from '@presence-webhooks/web';

let handler: PresenceWebhooksWebHandler | undefined;

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Set ${name} (see docs/recipes/nextjs.md)`);
  return value;
}

/**
 * The handler, made on the first request rather than when the module is imported: `next build`
 * imports route modules ("Collecting page data") where no secret is set. One receiver per function
 * instance; the presence set lives in Redis, so every instance, cold or warm, shares it.
 * `path: '/webhooks'` is where the catch-all route app/webhooks/[[...path]] sits: POSTs there are
 * deliveries, GETs under it the read endpoint.
 */
export function presence(): PresenceWebhooksWebHandler {
  handler ??= presenceWebhooks(
    createReceiver({
      ably: { keys: [required('ABLY_KEY')] },
      ...(process.env.READ_TOKEN ? { readEndpoint: { token: process.env.READ_TOKEN } } : {}),
      store: new RedisStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: process.env.REDIS_PREFIX ?? 'pw' }),
    }),
    { path: '/webhooks' },
  );
  return handler;
}
