/**
 * PostgresStore under faults, on a PostgreSQL cluster of the test's own (a temp folder, another port:
 * the shared server is never stopped): the server stopped and restarted mid-stream behind an Express
 * receiver (ack 'after-store': 503 while it is down, the provider resends, the set converges), a statement
 * held up past the timeout, a pool exhausted. Each failure is a PostgresUnavailableError, answered within
 * queryTimeoutMs, never a hang.
 */
import { createReceiver } from '@presence-webhooks/core';
import type { PresenceEvent } from '@presence-webhooks/core/store';
import { PostgresStore, PostgresUnavailableError } from '@presence-webhooks/postgres';
import { generateAblyHistory, seededRandom } from '@presence-webhooks/testing/builders';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../examples/multi-instance-redis/src/config.js';
import { compareWithTruth, sendStream } from '../examples/multi-instance-redis/src/stream.js';
import { startExpress } from './helpers/express-server.js';
import type { OwnPostgres } from './helpers/own-postgres.js';
import { ownPostgresPossible, startOwnPostgres } from './helpers/own-postgres.js';

const possible = await ownPostgresPossible();
const T0 = Date.now() - 3 * 60_000;

function enter(clientId: string, serial: number): PresenceEvent {
  const ts = T0 + serial;
  return {
    provider: 'ably',
    channel: 'room',
    memberKey: `c-${clientId}:${clientId}`,
    present: true,
    member: { clientId, connectionId: `c-${clientId}`, timestamp: ts },
    order: { ts, serial, index: 0, rank: 0, id: `c-${clientId}:${serial}:0` },
  };
}

describe.skipIf(!possible)('PostgresStore faults on a cluster of its own', () => {
  let server: OwnPostgres;
  beforeAll(async () => {
    server = await startOwnPostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.destroy();
  });

  it('the database restarted mid-stream: 503s while it is down, the provider resends, the set converges', async () => {
    const store = new PostgresStore({ connectionString: server.url, schema: 'restart', queryTimeoutMs: 1000, maxConnections: 4 });
    await store.migrate();
    const receiver = createReceiver({ ably: { keys: [DEMO_KEY] }, store, ack: 'after-store' });
    const http = await startExpress(receiver);
    const channels = ['lobby', 'room-1'];
    const history = generateAblyHistory({ seed: 5, channels, clients: 8, steps: 200, start: Date.now() - 10 * 60_000 });
    let restarted: Promise<void> | undefined;
    try {
      const sent = await sendStream(history.entries, {
        urls: [http.url],
        key: DEMO_KEY,
        random: seededRandom(55),
        concurrency: 4,
        duplicateRate: 0.2,
        beforeSend: async (n) => {
          if (n !== 10) return;
          await server.stop('immediate');
          restarted = new Promise((resolve) => setTimeout(resolve, 1500)).then(() => server.start());
        },
      });
      await restarted;
      expect(sent.allAnswers.get('503')).toBeGreaterThan(0);
      expect(sent.answers).toEqual(new Map([['200', sent.deliveries]]));
      await receiver.idle();
      const comparison = await compareWithTruth(store, history.truth, channels);
      expect(comparison.stored).toEqual(new Map(channels.map((c) => [c, history.truth.get(c) ?? []])));
    } finally {
      await http.close();
      await store.close();
    }
  }, 120_000);

  it('a statement held up past queryTimeoutMs rejects with PostgresUnavailableError; the next one goes through', async () => {
    const store = new PostgresStore({ connectionString: server.url, schema: 'timeout', queryTimeoutMs: 300, maxConnections: 2 });
    await store.migrate();
    const blocker = new pg.Client({ connectionString: server.url });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table timeout.members in access exclusive mode');
      const failing = store.apply([enter('alice', 1)]);
      await expect(failing).rejects.toBeInstanceOf(PostgresUnavailableError);
      await expect(failing).rejects.toMatchObject({ code: 'store_unavailable' });
      await blocker.query('rollback');
      expect((await store.apply([enter('alice', 2)])).map((c) => c.type)).toEqual(['join']);
      expect((await store.members('room')).map((m) => m.clientId)).toEqual(['alice']);
    } finally {
      await blocker.end();
      await store.close();
    }
  });

  it('a pool exhausted: apply rejects with PostgresUnavailableError instead of queueing without bound; works again once a connection is free', async () => {
    const pool = new pg.Pool({ connectionString: server.url, max: 1 });
    const store = new PostgresStore({ pool, schema: 'exhausted', queryTimeoutMs: 300 });
    await store.migrate();
    const held = await pool.connect();
    try {
      await expect(store.apply([enter('bob', 1)])).rejects.toBeInstanceOf(PostgresUnavailableError);
      await expect(store.members('room')).rejects.toBeInstanceOf(PostgresUnavailableError);
    } finally {
      held.release();
    }
    expect((await store.apply([enter('bob', 2)])).map((c) => c.type)).toEqual(['join']);
    await store.close();
    await pool.end();
  });
});
