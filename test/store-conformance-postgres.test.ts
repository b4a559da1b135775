import { PostgresStore } from '@presence-webhooks/postgres';
import { storeConformanceCases } from '@presence-webhooks/testing/conformance';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { dropSchemas, POSTGRES_URL, postgresAvailable, uniqueSchema } from './helpers/postgres.js';

const available = await postgresAvailable();
const prefix = uniqueSchema('conf');

describe.skipIf(!available)('PostgresStore passes the store conformance suite', () => {
  // One shared pool for the stores the suite opens (a pool passed in is never ended by the store); every
  // other store opens a pool of its own, as separate instances would. Each namespace is a schema, dropped after.
  const shared = new pg.Pool({ connectionString: POSTGRES_URL, max: 6 });
  let handles = 0;
  const migrated = new Map<string, Promise<unknown>>();
  afterAll(async () => {
    await dropSchemas(shared, prefix);
    await shared.end();
  });

  const cases = storeConformanceCases(
    async ({ tombstoneHorizonMs, namespace, feedRetainMs }) => {
      const schema = `${prefix}_${namespace}`.toLowerCase();
      const own = handles++ % 2 === 1;
      const feed = feedRetainMs === undefined ? {} : { feed: { retainMs: feedRetainMs } };
      const store = own
        ? new PostgresStore({
            connectionString: POSTGRES_URL,
            schema,
            tombstoneHorizonMs,
            maxConnections: 3,
            queryTimeoutMs: 20_000,
            ...feed,
          })
        : new PostgresStore({ pool: shared, schema, tombstoneHorizonMs, queryTimeoutMs: 20_000, ...feed });
      let done = migrated.get(schema);
      if (done === undefined) migrated.set(schema, (done = store.migrate()));
      await done;
      return store;
    },
    { numRuns: 15 },
  );
  for (const c of cases) it(c.name, c.run, 120_000);
});
