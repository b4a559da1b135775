/**
 * Two Express receivers (real HTTP, each with its own PostgresStore and pool) on one schema. Signed Ably
 * deliveries of a generated history, shuffled and duplicated, split at random between them with several
 * in flight: the shared set equals the in-order truth, each effective change is emitted exactly once
 * across both, and `sessions` holds exactly one open row per present member.
 */
import type { Receiver } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { PostgresStore } from '@presence-webhooks/postgres';
import { generateAblyHistory, seededRandom } from '@presence-webhooks/testing/builders';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../examples/multi-instance-redis/src/config.js';
import { checkEmissions } from '../examples/multi-instance-redis/src/emissions.js';
import type { ReceiverLine } from '../examples/multi-instance-redis/src/instances.js';
import { compareWithTruth, sendStream } from '../examples/multi-instance-redis/src/stream.js';
import type { RunningServer } from './helpers/express-server.js';
import { startExpress } from './helpers/express-server.js';
import { dropSchemas, POSTGRES_URL, postgresAvailable, uniqueSchema } from './helpers/postgres.js';

const available = await postgresAvailable();
const prefix = uniqueSchema('multi');

describe.skipIf(!available)('two Express receivers on one PostgreSQL schema', () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  const servers: RunningServer[] = [];
  const stores: PostgresStore[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const s of stores) await s.close();
    await dropSchemas(admin, prefix);
    await admin.end();
  });

  for (const seed of [21, 22]) {
    it(`seed ${seed}: the shared set equals the in-order truth, each change emitted once, one open session per present member`, async () => {
      const schema = `${prefix}_${seed}`;
      const lines: ReceiverLine[] = [];
      const urls: string[] = [];
      const receivers: Receiver[] = [];
      for (const instance of ['A', 'B']) {
        const store = new PostgresStore({ connectionString: POSTGRES_URL, schema, maxConnections: 4, queryTimeoutMs: 10_000 });
        stores.push(store);
        await store.migrate();
        const receiver = createReceiver({ ably: { keys: [DEMO_KEY] }, store, ack: 'after-store' });
        receivers.push(receiver);
        for (const name of ['join', 'update', 'leave'] as const) {
          receiver.on(name, (e) => {
            const { clientId, connectionId, timestamp } = e.member;
            lines.push({ instance, event: name, channel: e.channel, clientId, connectionId, timestamp } as ReceiverLine);
          });
        }
        const server = await startExpress(receiver);
        servers.push(server);
        urls.push(server.url);
      }
      const channels = ['lobby', 'room-1', 'room-2'].map((c) => `s${seed}-${c}`);
      const history = generateAblyHistory({ seed, channels, clients: 10, steps: 300, start: Date.now() - 10 * 60_000 });
      const sent = await sendStream(history.entries, {
        urls,
        key: DEMO_KEY,
        random: seededRandom(seed * 7),
        concurrency: 6,
        duplicateRate: 0.3,
      });
      expect(sent.answers).toEqual(new Map([['200', sent.deliveries]]));
      await Promise.all(receivers.map((r) => r.idle()));

      const comparison = await compareWithTruth(stores[stores.length - 1] as PostgresStore, history.truth, channels);
      expect(comparison.stored).toEqual(new Map(channels.map((c) => [c, history.truth.get(c) ?? []])));
      expect(comparison.equal).toBe(true);
      const emissions = checkEmissions(lines, comparison.stored);
      expect(emissions.duplicates).toEqual([]);
      expect(emissions.unbalanced).toEqual([]);
      expect([...emissions.perInstance.keys()].sort()).toEqual(['A', 'B']);

      // sessions: exactly one open row per present member, and closed rows only for those who left.
      const open = await admin.query<{ channel: string; member_key: string }>(
        `select channel, member_key from ${schema}.sessions where left_at is null order by channel, member_key`,
      );
      const present = await admin.query<{ channel: string; member_key: string }>(
        `select channel, member_key from ${schema}.members where present order by channel, member_key`,
      );
      expect(open.rows).toEqual(present.rows);
      const presentCount = [...comparison.stored.values()].reduce((n, m) => n + m.length, 0);
      expect(open.rows).toHaveLength(presentCount);
      const leaves = lines.filter((l) => l.event === 'leave').length;
      const closed = await admin.query<{ n: string }>(`select count(*) as n from ${schema}.sessions where left_at is not null`);
      expect(Number(closed.rows[0]?.n)).toBe(leaves);
    }, 120_000);
  }
});
