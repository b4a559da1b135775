/**
 * Property, with PostgresStore under an Express receiver over real HTTP: for generated Ably histories
 * delivered in any permutation, batching and duplication (JSON and MsgPack), the stored set equals the
 * in-order truth.
 */
import { createReceiver } from '@presence-webhooks/core';
import { PostgresStore } from '@presence-webhooks/postgres';
import { ablyBatchRequest, generateAblyHistory, seededRandom } from '@presence-webhooks/testing/builders';
import { ablyDeliveries } from '@presence-webhooks/testing/simulator';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { compareWithTruth } from '../examples/multi-instance-redis/src/stream.js';
import { startExpress } from './helpers/express-server.js';
import { dropSchemas, POSTGRES_URL, postgresAvailable, uniqueSchema } from './helpers/postgres.js';

const available = await postgresAvailable();
const prefix = uniqueSchema('prop');
const KEY = 'prop.key:property-secret';

describe.skipIf(!available)('Ably presence converges in PostgresStore whatever the order, batching and duplication', () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
  let n = 0;
  afterAll(async () => {
    await dropSchemas(admin, prefix);
    await admin.end();
  });

  it('over real HTTP through Express, JSON and MsgPack', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          steps: fc.integer({ min: 1, max: 60 }),
          clients: fc.integer({ min: 1, max: 5 }),
          maxItems: fc.integer({ min: 1, max: 6 }),
          maxPerItem: fc.integer({ min: 1, max: 5 }),
          duplicateRate: fc.double({ min: 0, max: 0.6, noNaN: true }),
        }),
        async (run) => {
          const history = generateAblyHistory({ seed: run.seed, steps: run.steps, clients: run.clients, start: Date.now() - 5 * 60_000 });
          const store = new PostgresStore({ connectionString: POSTGRES_URL, schema: `${prefix}_${n++}`, maxConnections: 2 });
          await store.migrate();
          const receiver = createReceiver({ ably: { keys: [KEY] }, store });
          const server = await startExpress(receiver);
          try {
            const random = seededRandom(run.seed ^ 0x5bd1e995);
            for (const items of ablyDeliveries(history.entries, random, run)) {
              const request = ablyBatchRequest(items, { key: KEY, format: random() < 0.5 ? 'msgpack' : 'json' });
              const res = await fetch(server.url, { method: 'POST', headers: request.headers, body: request.body });
              await res.arrayBuffer();
              expect(res.status).toBe(200);
            }
            await receiver.idle();
            const comparison = await compareWithTruth(store, history.truth);
            expect(comparison.lines.filter((line) => line.includes('DIFFERS'))).toEqual([]);
          } finally {
            await server.close();
            await store.close();
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 300_000);
});
