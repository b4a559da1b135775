// Real stores that another program sharing them can break on one channel, for tests of store failures:
// - Redis: a string written at one of the channel's keys (its members hash `h`, or its tombstones `z`): WRONGTYPE,
//   RedisStore passes the channel over (PartialApplyError) and the others commit in the same call;
// - PostgreSQL: a trigger that refuses the channel's rows: the whole transaction fails.
import type { PresenceStore } from '@presence-webhooks/core';
import { PostgresStore } from '@presence-webhooks/postgres';
import { RedisStore } from '@presence-webhooks/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { expect } from 'vitest';
import { dropSchemas, POSTGRES_URL, uniqueSchema } from './postgres.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis.js';

/** A store, how another program breaks one of its channels (after the channel exists), and how the operator repairs it. */
export interface BreakableStore {
  store: PresenceStore & { close(): Promise<void> };
  break(channel: string): Promise<void>;
  repair(): Promise<void>;
}

/** Opens breakable stores under names of its own (`tag`); `cleanUp()` deletes what they wrote. */
export function breakableStores(tag: string, available: { redis: boolean; postgres: boolean }) {
  const redis = available.redis ? new Redis(REDIS_URL) : undefined;
  const postgres = available.postgres ? new pg.Pool({ connectionString: POSTGRES_URL, max: 2 }) : undefined;
  const prefixes: string[] = [];
  const schemaPrefix = uniqueSchema(tag);

  /** `key`: which of the channel's keys another program overwrites with a string (its members hash, or its tombstones). */
  function redisStore(shards: number, key: 'h' | 'z', feed = false): () => Promise<BreakableStore> {
    return () => {
      const prefix = uniquePrefix(`${tag}-${shards}-${key}`);
      prefixes.push(prefix);
      let broken = '';
      return Promise.resolve({
        store: new RedisStore({ url: REDIS_URL, prefix, shards, ...(feed ? { feed: {} } : {}) }),
        async break(channel) {
          const [hash] = await (redis as Redis).keys(`{${prefix}:s*}:c:${channel}:h`);
          expect(hash, 'the channel hash key').toBeDefined();
          broken = `${(hash as string).slice(0, -1)}${key}`;
          await (redis as Redis).set(broken, 'not ours: another program wrote here');
        },
        async repair() {
          await (redis as Redis).del(broken);
        },
      });
    };
  }

  async function postgresStore(): Promise<BreakableStore> {
    const schema = `${schemaPrefix}_${prefixes.length}`;
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

  async function cleanUp(): Promise<void> {
    for (const prefix of prefixes) if (redis !== undefined) await deleteKeys(redis, prefix);
    redis?.disconnect();
    if (postgres !== undefined) await dropSchemas(postgres, schemaPrefix);
    await postgres?.end();
  }

  return { redisStore, postgresStore, cleanUp };
}
