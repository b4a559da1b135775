// RedisStore's user levels across instances: two stores (two instances) on one Redis and prefix. A grace
// window started through one closes through the other even once the first is closed (the deadlines live
// in Redis), each user-level change is committed once however many instances expire at once, and it is
// in the change feed.
import type { UserChange } from '@presence-webhooks/core/store';
import { RedisStore } from '@presence-webhooks/redis';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { presenceEvent } from './helpers/presence-event.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const available = await redisAvailable();
const prefix = uniquePrefix('users');

describe.skipIf(!available)('RedisStore user levels across instances', () => {
  const admin = new Redis(REDIS_URL, { lazyConnect: true });
  afterAll(async () => {
    await deleteKeys(admin, prefix);
    await admin.quit();
  });

  it('a grace window started through a closed instance is closed once, by the others, and is in the feed', async () => {
    const shared = `${prefix}:grace`;
    const a = new RedisStore({ url: REDIS_URL, prefix: shared, feed: {} });
    const b = new RedisStore({ url: REDIS_URL, prefix: shared, feed: {} });
    const c = new RedisStore({ url: REDIS_URL, prefix: shared, feed: {} });
    try {
      const head = await b.feed!.head();
      const now = Date.now();
      const users = { graceMs: 1000, lastSeenMs: 60_000, now };
      const ts = now - 60_000;
      const join = { ...presenceEvent('room', 'alice', 0, true, ts), userId: 'alice' };
      const leave = { ...presenceEvent('room', 'alice', 1, false, ts + 5), userId: 'alice' };
      expect((await a.apply([join], { users })).map((change) => change.type)).toEqual(['join', 'user.join', 'user.online']);
      expect((await a.apply([leave], { users })).map((change) => change.type)).toEqual(['leave']); // pending: nothing yet
      expect(await b.user('alice')).toEqual({ userId: 'alice', online: true, channels: ['room'], members: 0, since: ts, lastSeen: ts + 5 });
      await a.close(); // the instance that started the window is gone

      const later = { ...users, now: now + 1000 };
      const [fromB, fromC] = await Promise.all([b.expireUsers(later), c.expireUsers(later)]);
      const closed = [...fromB, ...fromC];
      expect(closed.map((change) => change.type)).toEqual(['user.leave', 'user.offline']);
      expect(closed[1]).toMatchObject({ userId: 'alice', at: ts + 5, lastSeen: ts + 5 } satisfies Partial<UserChange>);
      expect(await b.expireUsers(later)).toEqual([]);
      expect(await c.user('alice')).toEqual({ userId: 'alice', online: false, channels: [], members: 0, lastSeen: ts + 5 });
      expect(await c.userCount()).toBe(0);
      expect(await c.users('room')).toEqual([]);

      const feed = await b.feed!.read(head, { limit: 20, waitMs: 0 });
      expect(feed.map((change) => change.type)).toEqual(['join', 'user.join', 'user.online', 'leave', 'user.leave', 'user.offline']);
      expect(feed.slice(4).map((change) => change.cursor)).toEqual(closed.map((change) => change.cursor));
    } finally {
      await b.close();
      await c.close();
    }
  });

  it('clear() deletes the people and the feed with the channels: nothing is left under the prefix but replay records', async () => {
    const own = `${prefix}:clear`;
    const store = new RedisStore({ url: REDIS_URL, prefix: own, feed: {} });
    try {
      const now = Date.now();
      const users = { graceMs: 1000, lastSeenMs: 60_000, now };
      const ts = now - 60_000;
      await store.apply(
        [
          { ...presenceEvent('room-1', 'alice', 0, true, ts), userId: 'alice' },
          { ...presenceEvent('room-2', 'bob', 0, true, ts), userId: 'bob' },
        ],
        { users },
      );
      await store.apply([{ ...presenceEvent('room-2', 'bob', 1, false, ts + 5), userId: 'bob' }], { users }); // pending
      await store.clear();
      expect(await store.channels()).toEqual([]);
      expect(await store.user('alice')).toBeUndefined();
      expect(await store.user('bob')).toBeUndefined();
      expect(await store.userCount()).toBe(0);
      expect(await store.expireUsers({ ...users, now: now + 1000 })).toEqual([]); // no grace window left to close
      const left = await admin.keys(`*${own}*`);
      expect(left.filter((key) => !key.includes(':r:'))).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
