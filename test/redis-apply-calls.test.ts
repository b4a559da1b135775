// RedisStore's apply as a busy receiver uses it: deliveries in flight at once on one connection (each
// channel's changes decided in call order), staleBefore, and member data the store never decodes (a
// member nested 150 levels deep is stored and read back, and the other members of its batch with it).
import type { PresenceChange } from '@presence-webhooks/core/store';
import { RedisStore } from '@presence-webhooks/redis';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { presenceEvent } from './helpers/presence-event.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const available = await redisAvailable();
const prefix = uniquePrefix('apply-calls');
const minutesAgo = (n: number) => Date.now() - n * 60_000;

const event = presenceEvent;

function nested(depth: number): unknown {
  let value: unknown = { leaf: 'deep' };
  for (let i = 1; i < depth; i++) value = { next: value };
  return value;
}

describe.skipIf(!available)('RedisStore apply calls', () => {
  const client = new Redis(REDIS_URL, { lazyConnect: true });
  afterAll(async () => {
    await deleteKeys(client, prefix);
    await client.quit();
  });

  it('applies 64 deliveries in flight on one connection in call order, per channel', async () => {
    const store = new RedisStore({ client, prefix: `${prefix}:order` });
    const base = minutesAgo(3);
    // 64 deliveries; delivery d holds message d of one member on each of 5 channels: enter, 62 updates, leave.
    const deliveries = Array.from({ length: 64 }, (_, d) =>
      Array.from({ length: 5 }, (_, c) => event(`room-${c}`, `user-${c}`, d, d < 63, base + d, d < 63 ? { step: d } : undefined)),
    );
    const answers = await Promise.all(deliveries.map((events) => store.apply(events)));
    answers.forEach((changes, d) => {
      expect(changes.map((change) => change.type)).toEqual(new Array(5).fill(d === 0 ? 'join' : d === 63 ? 'leave' : 'update'));
      if (d > 0 && d < 63) for (const change of changes) expect(change.type === 'update' && change.previous.data).toEqual({ step: d - 1 });
    });
    for (let c = 0; c < 5; c++) expect(await store.members(`room-${c}`)).toEqual([]);
  });

  it('one call of 25 channels, with and without a feed, merges every channel (the script walks the events, which hold false for none)', async () => {
    for (const feed of [undefined, {}]) {
      const store = new RedisStore({ client, prefix: `${prefix}:wide-${feed === undefined ? 'off' : 'on'}`, feed });
      const base = minutesAgo(2);
      const joins = Array.from({ length: 25 }, (_, c) => event(`room-${c}`, `user-${c}`, 0, true, base));
      expect((await store.apply(joins)).map((change) => change.type)).toEqual(new Array(25).fill('join'));
      const leaves = Array.from({ length: 25 }, (_, c) => event(`room-${c}`, `user-${c}`, 1, false, base + 1));
      expect((await store.apply(leaves)).map((change) => change.type)).toEqual(new Array(25).fill('leave'));
      for (let c = 0; c < 25; c += 8) expect(await store.members(`room-${c}`)).toEqual([]);
      await store.feed?.ack([]);
    }
  });

  it('stores a member nested 150 levels deep, with the other members of its batch', async () => {
    const store = new RedisStore({ client, prefix: `${prefix}:deep` });
    const ts = minutesAgo(2);
    const deep = event('room-deep', 'deep', 0, true, ts, nested(150));
    const plain = event('room-plain', 'plain', 0, true, ts, { status: 'online' });
    const changes = (await store.apply([deep, plain])) as PresenceChange[];
    expect(changes.map((change) => [change.type, change.channel])).toEqual([
      ['join', 'room-deep'],
      ['join', 'room-plain'],
    ]);
    expect(await store.members('room-deep')).toEqual([deep.member]);
    expect(await store.members('room-plain')).toEqual([plain.member]);
  });

  it('the apply indexes its channels itself: nothing is written while the index holds another type; an expired channel made again is indexed again', async () => {
    const own = `${prefix}:index`;
    const store = new RedisStore({ client, prefix: own, tombstoneHorizonMs: 200, clockSkewMs: 0 });
    const index = `{${own}}:channels`;
    await client.set(index, 'not ours: another program wrote here');
    await expect(store.apply([event('room', 'ana', 0, true, minutesAgo(2))])).rejects.toThrow(/WRONGTYPE/);
    await client.del(index);
    expect(await store.members('room')).toEqual([]); // the call failed whole, before writing the channel
    expect(await store.apply([event('room', 'ana', 0, true, minutesAgo(2))])).toHaveLength(1);
    expect(await store.channels()).toEqual(['room']);
    expect(await store.apply([event('room', 'ana', 1, false, minutesAgo(1))])).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 400)); // the horizon passes: the channel's keys expire
    expect(await store.collect()).toBe(1);
    expect(await store.channelCount()).toBe(0);
    expect(await store.apply([event('room', 'bob', 0, true, Date.now())])).toHaveLength(1);
    expect(await store.channels()).toEqual(['room']);
  });

  it('staleBefore: an event older than it, for a member the store holds nothing of, changes nothing; held members merge', async () => {
    const store = new RedisStore({ client, prefix: `${prefix}:stale` });
    const bound = minutesAgo(10);
    const held = event('room', 'held', 0, true, minutesAgo(30));
    expect(await store.apply([held])).toHaveLength(1);
    const changes = (await store.apply(
      [
        event('room', 'old', 0, true, bound - 1),
        event('room', 'fresh', 0, true, bound + 1),
        event('room', 'held', 1, false, minutesAgo(20)),
      ],
      { staleBefore: bound },
    )) as PresenceChange[];
    expect(changes.map((change) => [change.type, change.member.clientId])).toEqual([
      ['join', 'fresh'],
      ['leave', 'held'],
    ]);
    expect((await store.members('room')).map((member) => member.clientId)).toEqual(['fresh']);
    // A channel's own snapshot (a watermark at or above the held one) is still bounded by staleBefore.
    const snapshot = await store.apply([event('room', 'older', 0, true, bound - 5)], {
      staleBefore: bound,
      watermarks: [{ channel: 'room', time: Date.now() }],
    });
    expect(snapshot).toEqual([]);
    await expect(store.apply([], { staleBefore: Number.NaN })).rejects.toThrow(
      new TypeError('presence-webhooks: staleBefore must be a finite number (ms) (got NaN)'),
    );
  });
});
