// Deliveries that wait in the queue behind a store call are merged as one store call when their turn comes
// (RedisStore and PostgresStore: one round trip for all of them), and are still counted, emitted and answered
// one by one: the same events in the same order as when each is applied alone, a duplicate counted as one, and
// a delivery whose channel fails answered 503 while the others of its batch are answered 200.
// Real Redis (one shard and four, with the feed) and real PostgreSQL; the failures are made by another
// program sharing the store (a string at the channel's hash key; a trigger that refuses the channel's rows).
import type { Receiver } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { ABLY_ACTION, ablyBatchRequest, ablyLifecycleItem, ablyPresenceItem, type BuiltRequest } from '@presence-webhooks/testing/builders';
import { afterAll, describe, expect, it } from 'vitest';
import type { BreakableStore } from './helpers/breakable-stores.js';
import { breakableStores } from './helpers/breakable-stores.js';
import { postgresAvailable } from './helpers/postgres.js';
import { RECENT_MS } from './helpers/recent.js';
import { redisAvailable } from './helpers/redis.js';

const KEY = 'batchApp.batchKey:batchSecretForTheTests0123';
const withRedis = await redisAvailable();
const withPostgres = await postgresAvailable();
const { redisStore, postgresStore, cleanUp } = breakableStores('batch', { redis: withRedis, postgres: withPostgres });

afterAll(cleanUp);

type Case = BreakableStore;
type Store = Case['store'];

/** `user`'s connection `conn` enters (or leaves) at provider time n, as an Ably presence message. */
function presence(user: string, conn: string, n: number, leave = false) {
  const action = leave ? ABLY_ACTION.leave : ABLY_ACTION.enter;
  return { id: `${conn}:${n}:0`, clientId: user, connectionId: conn, action, timestamp: RECENT_MS + n * 10 };
}

/** One delivery: `user`'s connection `conn` enters (or leaves) `channel`, at provider time n. */
function delivery(channel: string, user: string, conn: string, n: number, leave = false) {
  return ablyBatchRequest([ablyPresenceItem(channel, [presence(user, conn, n, leave)])], { key: KEY });
}

/** Every event the receiver emits, member and user level, as one line each, in emission order. */
function recordAll(receiver: Receiver): string[] {
  const lines: string[] = [];
  for (const name of ['join', 'update', 'leave'] as const)
    receiver.on(name, (e) => void lines.push(`${name} ${e.channel} ${e.member.clientId}/${e.member.connectionId}`));
  receiver.on('user.join', (e) => void lines.push(`user.join ${e.channel} ${e.userId}`));
  receiver.on('user.leave', (e) => void lines.push(`user.leave ${e.channel} ${e.userId}`));
  receiver.on('user.online', (e) => void lines.push(`user.online ${e.userId}`));
  receiver.on('user.offline', (e) => void lines.push(`user.offline ${e.userId}`));
  return lines;
}

/** Counts the store's apply calls and their sizes in events (the real store answers them). */
function countCalls(store: Store): { calls: number; sizes: number[] } {
  const count = { calls: 0, sizes: [] as number[] };
  const apply = store.apply.bind(store);
  store.apply = (events, options) => {
    count.calls++;
    count.sizes.push(events.length);
    return apply(events, options);
  };
  return count;
}

const handle = (receiver: Receiver, request: BuiltRequest) =>
  receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/' });

// Thirteen deliveries: ten joins over three rooms (ana is in two rooms, on two connections), a resend of the
// fourth (a duplicate), ana leaving room-0 from her first connection, and a delivery with no event at all.
const DELIVERIES = [
  ...Array.from({ length: 10 }, (_, i) =>
    i === 6 ? delivery('room-1', 'ana', 'ana-2', i) : delivery(`room-${i % 3}`, `u${i}`, `u${i}-c`, i),
  ),
];
DELIVERIES[0] = delivery('room-0', 'ana', 'ana-1', 0);
DELIVERIES.push(
  DELIVERIES[3] as (typeof DELIVERIES)[number],
  delivery('room-0', 'ana', 'ana-1', 11, true),
  ablyBatchRequest([], { key: KEY }),
);

/**
 * What must not depend on batching: every event once, each channel's events in order, each user's app-level
 * events in order (a store may commit a call channel by channel: the order across channels is its own).
 */
function orders(lines: readonly string[]): { all: string[]; byKey: Record<string, string[]> } {
  const byKey: Record<string, string[]> = {};
  for (const line of lines) {
    const [name, where, who] = line.split(' ') as [string, string, string | undefined];
    const key = name === 'user.online' || name === 'user.offline' ? `user ${where}` : `channel ${where}`;
    (byKey[key] ??= []).push(who === undefined ? name : `${name} ${who}`);
  }
  return { all: [...lines].sort(), byKey };
}

const CASES: [string, boolean, () => Promise<Case>][] = [
  ['RedisStore, 1 shard', withRedis, redisStore(1, 'h')],
  ['RedisStore with its feed, 4 shards', withRedis, redisStore(4, 'h', true)],
  ['PostgresStore', withPostgres, postgresStore],
];

for (const [name, available, open] of CASES) {
  describe.skipIf(!available)(`deliveries waiting for the store share one call (${name})`, () => {
    it('the same events as one by one, in the same order per channel and per user, each delivery counted and answered on its own', async () => {
      // The oracle: the same deliveries, each applied and emitted before the next is handed over.
      const alone = await open();
      const oracle = createReceiver({ ably: { keys: [KEY] }, store: alone.store, ack: 'after-store' });
      const expected = recordAll(oracle);
      const aloneCalls = countCalls(alone.store);
      for (const request of DELIVERIES) expect((await handle(oracle, request)).status).toBe(200);
      await oracle.close();
      await alone.store.close();
      expect(aloneCalls.calls).toBe(DELIVERIES.length - 1); // the empty delivery makes no store call

      const together = await open();
      const receiver = createReceiver({ ably: { keys: [KEY] }, store: together.store, ack: 'after-store' });
      const emitted = recordAll(receiver);
      const count = countCalls(together.store);
      try {
        const answers = await Promise.all(DELIVERIES.map((request) => handle(receiver, request)));
        expect(answers.map((a) => a.status)).toEqual(DELIVERIES.map(() => 200));
        expect(count.calls).toBeLessThan(DELIVERIES.length / 2); // the first call alone, the others waited and shared
        expect(orders(emitted)).toEqual(orders(expected));
        expect(emitted).toContain('user.leave room-0 ana');
        expect(emitted).not.toContain('user.offline ana'); // still in room-1 from her second connection
        expect(receiver.stats().deliveries.ably).toMatchObject({ accepted: 12, duplicate: 1, stale: 0 });
        expect((await together.store.members('room-0')).map((m) => m.clientId).sort()).toEqual(['u3', 'u9']);
        await receiver.idle(); // the acknowledgements sent
        if (together.store.feed !== undefined) expect(await together.store.feed.claim(0, 100)).toEqual([]); // all acknowledged
      } finally {
        await receiver.close();
        await together.store.close();
      }
    });

    it('a batch that moves a user from one room to another ends on the user-level event that says where she is', async () => {
      const ctx = await open();
      const receiver = createReceiver({ ably: { keys: [KEY] }, store: ctx.store, ack: 'after-store' });
      const emitted = recordAll(receiver);
      try {
        expect((await handle(receiver, delivery('room-0', 'ana', 'ana-1', 0))).status).toBe(200);
        const requests = [
          delivery('room-z', 'zed', 'zed-c', 1), // the first call, alone: the others wait behind it and share one
          delivery('room-0', 'bob', 'bob-c', 2),
          delivery('room-1', 'ana', 'ana-2', 3),
          delivery('room-0', 'ana', 'ana-1', 4, true),
        ];
        const answers = await Promise.all(requests.map((request) => handle(receiver, request)));
        expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
        // Taken one by one ana never goes offline; taken channel by channel (room-0 first) she goes offline, then
        // online: either way the app's last word on her is that she is online, as the store says.
        const app = emitted.filter((line) => line === 'user.online ana' || line === 'user.offline ana');
        expect(app.at(-1)).toBe('user.online ana');
        expect(app.filter((line, i) => i > 0 && line === app[i - 1])).toEqual([]); // they alternate
        expect((await ctx.store.user?.('ana'))?.online).toBe(true);
      } finally {
        await receiver.close();
        await ctx.store.close();
      }
    });

    it("a delivery whose only committed channel is its notice's: 503, the notice emitted once, nothing else goes wrong", async () => {
      const ctx = await open();
      const errors: Error[] = [];
      const receiver = createReceiver({ ably: { keys: [KEY] }, store: ctx.store, ack: 'after-store' });
      receiver.onError((e) => void errors.push(e));
      const emitted = recordAll(receiver);
      const active: string[] = [];
      receiver.on('channel.active', (e) => void active.push(e.channel));
      try {
        expect((await handle(receiver, delivery('room-bad', 'sam', 'sam-c', 0))).status).toBe(200);
        await ctx.break('room-bad');
        const request = ablyBatchRequest(
          [ablyLifecycleItem('room-x', true, RECENT_MS + 10), ablyPresenceItem('room-bad', [presence('bob', 'bob-c', 1)])],
          { key: KEY },
        );
        expect((await handle(receiver, request)).status).toBe(503);
        expect(active).toEqual(['room-x']);
        expect(emitted.filter((line) => line.includes('bob'))).toEqual([]);
        expect(errors.map((e) => e.message).filter((m) => !/WRONGTYPE|refuses rows|failed: "room-bad"/.test(m))).toEqual([]); // only the store's refusal
        expect(receiver.stats().lostDeliveries).toBe(1);
        // Counted once, with what committed (as a delivery alone always was): sam's and this one.
        expect(receiver.stats().deliveries.ably).toMatchObject({ accepted: 2, duplicate: 0, stale: 0 });
      } finally {
        await receiver.close();
        await ctx.store.close();
      }
    });

    it('a delivery whose channel fails is answered 503; the others of its call are applied, emitted and answered 200', async () => {
      const ctx = await open();
      const receiver = createReceiver({ ably: { keys: [KEY] }, store: ctx.store, ack: 'after-store', onError: () => undefined });
      const emitted = recordAll(receiver);
      const count = countCalls(ctx.store);
      try {
        expect((await handle(receiver, delivery('room-bad', 'sam', 'sam-c', 0))).status).toBe(200);
        await ctx.break('room-bad');
        emitted.length = 0;
        const requests = [
          delivery('room-z', 'zoe', 'zoe-c', 1), // the first call, alone: the others wait behind it and share one
          delivery('room-a', 'ana', 'ana-c', 2),
          delivery('room-bad', 'bob', 'bob-c', 3),
          delivery('room-c', 'cai', 'cai-c', 4),
        ];
        const answers = await Promise.all(requests.map((request) => handle(receiver, request)));
        expect(answers.map((a) => a.status)).toEqual([200, 200, 503, 200]);
        expect(count.sizes.slice(0, 3)).toEqual([1, 1, 3]); // sam; zoe alone; the three that waited, in one call
        expect(emitted.filter((line) => line.startsWith('join '))).toEqual([
          'join room-z zoe/zoe-c',
          'join room-a ana/ana-c',
          'join room-c cai/cai-c',
        ]);
        expect(receiver.stats().lostDeliveries).toBe(1);
        // sam, zoe, ana and cai; bob's delivery, none of whose channels committed, is lost, not also accepted.
        expect(receiver.stats().deliveries.ably).toMatchObject({ accepted: 4, duplicate: 0, stale: 0 });
        expect((await ctx.store.members('room-c')).map((m) => m.clientId)).toEqual(['cai']);
      } finally {
        await receiver.close();
        await ctx.store.close();
      }
    });
  });
}
