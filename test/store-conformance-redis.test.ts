import { RedisStore } from '@presence-webhooks/redis';
import { storeConformanceCases } from '@presence-webhooks/testing/conformance';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const available = await redisAvailable();
const prefix = uniquePrefix('conformance');

describe.skipIf(!available)('RedisStore passes the store conformance suite', () => {
  // One shared connection for the stores the suite opens (a client passed in is never closed by the store);
  // the concurrency case's handles each get their own connection, as separate instances would.
  const shared = new Redis(REDIS_URL, { lazyConnect: true });
  let handles = 0;
  afterAll(async () => {
    await deleteKeys(shared, prefix);
    await shared.quit();
  });

  const cases = storeConformanceCases(
    ({ tombstoneHorizonMs, namespace, feedRetainMs }) => {
      const own = handles++ % 2 === 1;
      const feed = { retainMs: feedRetainMs };
      return own
        ? new RedisStore({ url: REDIS_URL, prefix: `${prefix}:${namespace}`, tombstoneHorizonMs, feed })
        : new RedisStore({ client: shared, prefix: `${prefix}:${namespace}`, tombstoneHorizonMs, feed });
    },
    { numRuns: 30 },
  );
  for (const c of cases) it(c.name, c.run);

  it('leaves no key behind once channels are empty and the horizon has passed', async () => {
    const store = new RedisStore({ client: shared, prefix: `${prefix}:ttl`, tombstoneHorizonMs: 200 });
    const event = (present: boolean, serial: number) => ({
      provider: 'ably' as const,
      channel: 'gone',
      memberKey: 'c1:alice',
      present,
      member: { clientId: 'alice', connectionId: 'c1', timestamp: serial },
      order: { ts: serial, serial, index: 0, rank: present ? 0 : 2, id: `c1:${serial}:0` },
    });
    await store.apply([event(true, 1)]);
    await store.apply([event(false, 2)]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    // What is left: only the replay records of the two applies, which expire within a minute.
    const keys = await shared.keys(`{${prefix}:ttl:*`);
    expect(keys.filter((key) => !key.includes('}:r:'))).toEqual([]);
    for (const key of keys) expect(await shared.pttl(key)).toBeLessThanOrEqual(60_000);
    expect(await store.channels()).toEqual([]);
    expect(await shared.zcard(`{${prefix}:ttl}:channels`)).toBe(1); // pruned only after the clock-skew margin
  });
});
