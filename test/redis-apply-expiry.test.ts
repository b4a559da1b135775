// apply.lua sets an expiry on a channel's hash when its last member leaves, and must clear it when
// someone is present again (it skips the PERSIST call only while it knows no expiry is set). The
// tombstone set always expires a horizon after its last tombstone (each of them has expired by then).
import type { PresenceEvent } from '@presence-webhooks/core/store';
import { RedisStore } from '@presence-webhooks/redis';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { channelKeys } from '../packages/redis/src/names.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const available = await redisAvailable();
const prefix = uniquePrefix('expiry');

function event(clientId: string, serial: number, present: boolean): PresenceEvent {
  const connectionId = `c-${clientId}`;
  return {
    provider: 'ably',
    channel: 'room',
    memberKey: `${connectionId}:${clientId}`,
    present,
    ...(present ? {} : { reason: 'leave' as const }),
    member: { clientId, connectionId, timestamp: serial },
    order: { ts: serial, serial, index: 0, rank: present ? 0 : 2, id: `${connectionId}:${serial}:0` },
  };
}

describe.skipIf(!available)('RedisStore channel expiry', () => {
  const client = new Redis(REDIS_URL, { lazyConnect: true });
  afterAll(async () => {
    await deleteKeys(client, prefix);
    await client.quit();
  });

  it('expires an empty channel, and clears the expiry when a member is present again', async () => {
    const store = new RedisStore({ client, prefix, tombstoneHorizonMs: 60_000 });
    const keys = channelKeys(prefix, 'room', 1);
    const ttls = () => Promise.all([keys.members, keys.tombstones].map((key) => client.pttl(key)));
    await store.apply([event('a', 1, true)]);
    expect(await ttls()).toEqual([-1, -2]); // no tombstone set yet
    await store.apply([event('a', 2, false)]);
    for (const ttl of await ttls()) expect(ttl).toBeGreaterThan(0);
    await store.apply([event('b', 1, true)]);
    const [hash, tombstones] = await ttls();
    expect(hash).toBe(-1);
    expect(tombstones).toBeGreaterThan(0); // a's tombstone, for the horizon
    await store.apply([event('b', 2, true)]); // an update while nothing expires: still no expiry
    expect((await ttls())[0]).toBe(-1);
    expect((await store.members('room')).map((m) => m.clientId)).toEqual(['b']);
  });
});
