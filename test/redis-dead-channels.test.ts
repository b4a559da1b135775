/**
 * No memory kept for dead channels in Redis: 100k PubNub-style channels (every event carries a
 * reported occupancy) whose member joined and left. After the horizon their keys have expired, and
 * a collection empties the channel index: nothing of them is left but the replay records of the
 * applies, which expire within a minute by themselves.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PresenceEvent } from '@presence-webhooks/core/store';
import { RedisStore } from '@presence-webhooks/redis';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const available = await redisAvailable();
const prefix = uniquePrefix('dead');
const CHANNELS = 100_000;

function pubnub(channel: string, present: boolean, timestamp: number, occupancy: number): PresenceEvent {
  const event: PresenceEvent = {
    provider: 'pubnub',
    channel,
    memberKey: 'uuid-1',
    present,
    member: { clientId: 'uuid-1', timestamp },
    order: { ts: timestamp, serial: -1, index: -1, rank: present ? 0 : 2, id: `${channel}:${timestamp}` },
    reported: { occupancy, timestamp },
  };
  if (!present) event.reason = 'leave';
  return event;
}

/** Keys under the prefix, the replay records left aside. */
async function channelKeysLeft(client: Redis): Promise<number> {
  let left = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scanBuffer(cursor, 'MATCH', `{${prefix}*`, 'COUNT', 5000);
    cursor = String(next);
    left += keys.filter((key) => !key.includes('}:r:')).length;
  } while (cursor !== '0');
  return left;
}

describe.skipIf(!available)('RedisStore frees dead channels', () => {
  const admin = new Redis(REDIS_URL, { lazyConnect: true });
  afterAll(async () => {
    await deleteKeys(admin, prefix);
    await admin.quit();
  });

  it(
    '100k PubNub channels joined and left: after the horizon and a collection no key and no index entry is left',
    { timeout: 120_000 },
    async () => {
      const store = new RedisStore({ url: REDIS_URL, prefix, tombstoneHorizonMs: 2000, clockSkewMs: 0, commandTimeoutMs: 10_000 });
      try {
        const names = Array.from({ length: CHANNELS }, (_, i) => `dead-${i}`);
        const last = names[CHANNELS - 1] as string;
        for (let i = 0; i < CHANNELS; i += 1000) await store.apply(names.slice(i, i + 1000).map((c) => pubnub(c, true, 1, 1)));
        for (let i = 0; i < CHANNELS; i += 1000) await store.apply(names.slice(i, i + 1000).map((c) => pubnub(c, false, 2, 0)));
        expect(await store.channelCount()).toBe(CHANNELS);
        expect(await store.reportedOccupancy(last)).toEqual({ occupancy: 0, timestamp: 2 });
        await sleep(2200);
        expect(await store.collect()).toBe(CHANNELS);
        expect(await store.channelCount()).toBe(0);
        expect(await store.channels()).toEqual([]);
        expect(await store.reportedOccupancy(last)).toBeUndefined();
        expect(await channelKeysLeft(admin)).toBe(0);
      } finally {
        await store.close();
      }
    },
  );
});
