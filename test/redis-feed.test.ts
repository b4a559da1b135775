// RedisStore's change feed on a single Redis, with one shard (the default) and with four (composite cursors).
import { RedisStore } from '@presence-webhooks/redis';
import { Redis } from 'ioredis';
import { afterAll, describe, it } from 'vitest';
import { redisFeedCases } from './helpers/redis-feed-cases.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const available = await redisAvailable();
const prefix = uniquePrefix('feed');

describe.skipIf(!available)('RedisStore change feed (single Redis)', () => {
  const client = new Redis(REDIS_URL, { lazyConnect: true });
  const second = new Redis(REDIS_URL, { lazyConnect: true });
  afterAll(async () => {
    await deleteKeys(client, prefix);
    await client.quit();
    await second.quit();
  });
  for (const shards of [1, 4]) {
    const cases = redisFeedCases(
      ({ retainMs, namespace, second: other }) =>
        new RedisStore({ client: other ? second : client, prefix: `${prefix}:${shards}:${namespace}`, shards, feed: { retainMs } }),
    );
    for (const c of cases) it(`${shards} shard(s): ${c.name}`, c.run);
  }
});
