import { createReceiver } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { presenceWebhooks } from '@presence-webhooks/web';

const { ABLY_KEY, REDIS_URL, REDIS_PREFIX } = process.env;
if (ABLY_KEY === undefined) throw new Error('Set ABLY_KEY: the key your Ably webhook rule signs with (appId.keyId:keySecret)');

/**
 * One receiver per function instance. Module scope lives only as long as a warm instance, so the
 * presence set lives in Redis: every instance, cold or warm, reads and writes the same one.
 */
export const receiver = createReceiver({
  ably: { keys: [ABLY_KEY] },
  store: new RedisStore({ url: REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: REDIS_PREFIX ?? 'pw' }),
});

export const handler = presenceWebhooks(receiver);
