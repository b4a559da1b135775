// A store failure on one channel of a delivery does not lose its other channels: they are applied and
// emitted on their own, and only the failing channel is retried (on-receipt) or answered 503 (after-store).
// The failures are real ones, made by another program sharing the store:
// - Redis (one shard and four): a string written at the channel's hash key (WRONGTYPE); RedisStore passes
//   the channel over and reports it (PartialApplyError), the others commit in the same call;
// - PostgreSQL: a trigger that refuses the channel's rows; the whole transaction fails, and the receiver
//   tries the delivery's channels one by one.
// Real HTTP through Express.
import type { JoinEvent, PresenceStore } from '@presence-webhooks/core';
import { createReceiver, StoreError } from '@presence-webhooks/core';
import {
  ABLY_ACTION,
  ablyBatchRequest,
  ablyLifecycleItem,
  ablyPresenceItem,
  type RawAblyPresence,
} from '@presence-webhooks/testing/builders';
import { afterAll, describe, expect, it } from 'vitest';
import { postTo, startExpress } from './helpers/express-server.js';
import type { BreakableStore } from './helpers/breakable-stores.js';
import { breakableStores } from './helpers/breakable-stores.js';
import { postgresAvailable } from './helpers/postgres.js';
import { RECENT_MS } from './helpers/recent.js';
import { redisAvailable } from './helpers/redis.js';

const KEY = 'isoApp.isoKey:isolationSecretForTheTests123';
const withRedis = await redisAvailable();
const withPostgres = await postgresAvailable();
const { redisStore, postgresStore, cleanUp } = breakableStores('iso', { redis: withRedis, postgres: withPostgres });

afterAll(cleanUp);

type Case = BreakableStore;

function member(clientId: string, n: number): RawAblyPresence {
  return { id: `${clientId}c:${n}:0`, clientId, connectionId: `${clientId}c`, action: ABLY_ACTION.enter, timestamp: RECENT_MS + n };
}

const DELIVERY = ablyBatchRequest(
  [
    ablyLifecycleItem('room-a', true, RECENT_MS),
    ablyLifecycleItem('room-bad', true, RECENT_MS),
    ablyPresenceItem('room-a', [member('ana', 1)]),
    ablyPresenceItem('room-bad', [member('bob', 2)]),
    ablyPresenceItem('room-c', [member('cai', 3)]),
  ],
  { key: KEY },
);

const clientIds = async (store: PresenceStore, channel: string) => (await store.members(channel)).map((m) => m.clientId);

const CASES: [string, boolean, () => Promise<Case>][] = [
  ['RedisStore, 1 shard', withRedis, redisStore(1, 'h')],
  ['RedisStore, 4 shards', withRedis, redisStore(4, 'h')],
  ['RedisStore, 1 shard, its tombstone key broken', withRedis, redisStore(1, 'z')],
  ['RedisStore with its feed, 4 shards', withRedis, redisStore(4, 'h', true)],
  ['PostgresStore', withPostgres, postgresStore],
];

for (const [name, available, open] of CASES) {
  describe.skipIf(!available)(`a store failure on one channel of a delivery (${name})`, () => {
    async function withReceiver(
      options: { ack?: 'after-store' },
      run: (ctx: Case & { url: string; joins: string[]; errors: Error[]; receiver: ReturnType<typeof createReceiver> }) => Promise<void>,
    ): Promise<void> {
      const ctx = await open();
      const errors: Error[] = [];
      const receiver = createReceiver({ ably: { keys: [KEY] }, store: ctx.store, retry: { attempts: 2, baseDelayMs: 10 }, ...options });
      receiver.onError((e) => void errors.push(e));
      const server = await startExpress(receiver);
      const joins: string[] = [];
      try {
        // The channel exists (a member joined), then another program breaks it.
        expect((await postTo(server.url, ablyBatchRequest([ablyPresenceItem('room-bad', [member('sam', 0)])], { key: KEY }))).status).toBe(
          200,
        );
        await receiver.idle();
        await ctx.break('room-bad');
        receiver.on('join', (e: JoinEvent) => void joins.push(`${e.channel}/${e.member.clientId}`));
        receiver.on('channel.active', (e) => void joins.push(`${e.channel} active`));
        await run({ ...ctx, url: server.url, joins, errors, receiver });
      } finally {
        await server.close();
        await receiver.close();
        await ctx.store.close();
      }
    }

    it('on-receipt: the other channels are applied and emitted once; the failing channel alone is retried, then given up and reported', async () => {
      await withReceiver({}, async ({ store, url, joins, errors, receiver }) => {
        expect((await postTo(url, DELIVERY)).status).toBe(200);
        await receiver.idle();
        expect(joins.sort()).toEqual(['room-a active', 'room-a/ana', 'room-c/cai']);
        expect(await clientIds(store, 'room-a')).toEqual(['ana']);
        expect(await clientIds(store, 'room-c')).toEqual(['cai']);
        // Everything the feed holds was emitted and acknowledged: nothing of the failing channel is left to be claimed.
        if (store.feed !== undefined) expect(await store.feed.claim(0, 100)).toEqual([]);
        expect(receiver.stats().lostDeliveries).toBe(1);
        const failures = errors.filter((e): e is StoreError => e instanceof StoreError);
        expect(failures.map((e) => e.details.attempt)).toEqual([1, 2]);
        expect(failures.at(-1)?.message).toMatch(/giving up.*(room-bad.*WRONGTYPE|refuses rows of room-bad)/);
      });
    });

    it('after-store: 503 while one channel fails, the others applied and emitted once across resends; 200 once it is repaired', async () => {
      await withReceiver({ ack: 'after-store' }, async ({ store, url, joins, repair }) => {
        for (let resend = 0; resend < 3; resend++) {
          const answer = await postTo(url, DELIVERY);
          expect(answer.status).toBe(503);
          expect(answer.json).toMatchObject({ error: { code: 'store_failed' } });
        }
        // Joins once; channel.active (a lifecycle event, not merged) with each resend that carried it, never the failing channel's.
        expect(joins.filter((j) => j.includes('/')).sort()).toEqual(['room-a/ana', 'room-c/cai']);
        expect([...new Set(joins.filter((j) => j.endsWith('active')))]).toEqual(['room-a active']);
        expect(await clientIds(store, 'room-a')).toEqual(['ana']);
        if (store.feed !== undefined) expect(await store.feed.claim(0, 100)).toEqual([]);
        await repair(); // the operator removes what broke the channel: the provider's next resend goes through
        expect((await postTo(url, DELIVERY)).status).toBe(200);
        expect(joins.filter((j) => j.includes('/')).sort()).toEqual(['room-a/ana', 'room-bad/bob', 'room-c/cai']);
        expect(joins.filter((j) => j === 'room-bad active')).toHaveLength(1);
        expect(await clientIds(store, 'room-bad')).toContain('bob');
      });
    });
  });
}
