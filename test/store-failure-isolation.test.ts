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
import { PostgresStore } from '@presence-webhooks/postgres';
import { RedisStore } from '@presence-webhooks/redis';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem, type RawAblyPresence } from '@presence-webhooks/testing/builders';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postTo, startExpress } from './helpers/express-server.js';
import { dropSchemas, POSTGRES_URL, postgresAvailable, uniqueSchema } from './helpers/postgres.js';
import { RECENT_MS } from './helpers/recent.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const KEY = 'isoApp.isoKey:isolationSecretForTheTests123';
const withRedis = await redisAvailable();
const withPostgres = await postgresAvailable();
const redis = withRedis ? new Redis(REDIS_URL) : undefined;
const postgres = withPostgres ? new pg.Pool({ connectionString: POSTGRES_URL, max: 2 }) : undefined;
const prefixes: string[] = [];
const SCHEMA_PREFIX = uniqueSchema('iso');

afterAll(async () => {
  for (const prefix of prefixes) if (redis !== undefined) await deleteKeys(redis, prefix);
  redis?.disconnect();
  if (postgres !== undefined) await dropSchemas(postgres, SCHEMA_PREFIX);
  await postgres?.end();
});

/** A store, and how another program breaks one of its channels (after the channel exists) and how the operator repairs it. */
interface Case {
  store: PresenceStore & { close(): Promise<void> };
  break(channel: string): Promise<void>;
  repair(): Promise<void>;
}

function redisCase(shards: number): () => Promise<Case> {
  return async () => {
    const prefix = uniquePrefix(`iso-${shards}`);
    prefixes.push(prefix);
    let broken = '';
    return {
      store: new RedisStore({ url: REDIS_URL, prefix, shards }),
      async break(channel) {
        const [key] = await (redis as Redis).keys(`{${prefix}:s*}:c:${channel}:h`);
        expect(key, 'the channel hash key').toBeDefined();
        broken = key as string;
        await (redis as Redis).set(broken, 'not a hash: another program wrote here');
      },
      async repair() {
        await (redis as Redis).del(broken);
      },
    };
  };
}

async function postgresCase(): Promise<Case> {
  const schema = `${SCHEMA_PREFIX}_${prefixes.length}`;
  prefixes.push(schema);
  const store = new PostgresStore({ connectionString: POSTGRES_URL, schema });
  await store.migrate();
  return {
    store,
    async break(channel) {
      await (postgres as pg.Pool).query(
        `create function ${schema}.refuse() returns trigger language plpgsql as $$ begin raise exception 'another program refuses rows of %', new.channel; end $$;
         create trigger refuse before insert or update on ${schema}.members for each row when (new.channel = '${channel}') execute function ${schema}.refuse()`,
      );
    },
    async repair() {
      await (postgres as pg.Pool).query(`drop trigger refuse on ${schema}.members`);
    },
  };
}

function member(clientId: string, n: number): RawAblyPresence {
  return { id: `${clientId}c:${n}:0`, clientId, connectionId: `${clientId}c`, action: ABLY_ACTION.enter, timestamp: RECENT_MS + n };
}

const DELIVERY = ablyBatchRequest(
  [
    ablyPresenceItem('room-a', [member('ana', 1)]),
    ablyPresenceItem('room-bad', [member('bob', 2)]),
    ablyPresenceItem('room-c', [member('cai', 3)]),
  ],
  { key: KEY },
);

const clientIds = async (store: PresenceStore, channel: string) => (await store.members(channel)).map((m) => m.clientId);

const CASES: [string, boolean, () => Promise<Case>][] = [
  ['RedisStore, 1 shard', withRedis, redisCase(1)],
  ['RedisStore, 4 shards', withRedis, redisCase(4)],
  ['PostgresStore', withPostgres, postgresCase],
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
        expect(joins.sort()).toEqual(['room-a/ana', 'room-c/cai']);
        expect(await clientIds(store, 'room-a')).toEqual(['ana']);
        expect(await clientIds(store, 'room-c')).toEqual(['cai']);
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
        expect(joins.sort()).toEqual(['room-a/ana', 'room-c/cai']);
        expect(await clientIds(store, 'room-a')).toEqual(['ana']);
        await repair(); // the operator removes what broke the channel: the provider's next resend goes through
        expect((await postTo(url, DELIVERY)).status).toBe(200);
        expect(joins.sort()).toEqual(['room-a/ana', 'room-bad/bob', 'room-c/cai']);
        expect(await clientIds(store, 'room-bad')).toContain('bob');
      });
    });
  });
}
