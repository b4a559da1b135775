/**
 * The three "who was online when" queries of packages/postgres/README.md, read from the README as written and run
 * with `pg` parameters against a real schema that a receiver filled through PostgresStore: each runs, and answers
 * the rows the deliveries made (ana and bob in room-42, bob's sessions, the teammates online now).
 */
import { readFileSync } from 'node:fs';
import { createReceiver } from '@presence-webhooks/core';
import { PostgresStore } from '@presence-webhooks/postgres';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchemas, POSTGRES_URL, postgresAvailable, uniqueSchema } from './helpers/postgres.js';

const available = await postgresAvailable();
const schema = uniqueSchema('readme');
const KEY = 'readmeApp.readmeKey:readmeSecretForTheTests01';

/** The README's first sql block, one query per statement, its schemas renamed to the test's own. */
function readmeQueries(): string[] {
  const readme = readFileSync(new URL('../packages/postgres/README.md', import.meta.url), 'utf8');
  const block = /```sql\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block
    .split(';')
    .map((query) => query.replace(/^\s*--.*$/gm, '').trim())
    .filter((query) => query.length > 0)
    .map((query) => query.replaceAll('presence_webhooks.', `${schema}.`).replaceAll('app.', `${schema}.`));
}

describe.skipIf(!available)('the PostgreSQL README queries', () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  afterAll(async () => {
    await dropSchemas(admin, schema);
    await admin.end();
  });

  it('run with parameters as written, and answer the sessions the deliveries made', async () => {
    const queries = readmeQueries();
    expect(queries).toHaveLength(3);
    const store = new PostgresStore({ connectionString: POSTGRES_URL, schema });
    const receiver = createReceiver({ ably: { keys: [KEY] }, store, ack: 'after-store' });
    const start = Date.now() - 5 * 60_000;
    const message = (user: string, n: number, action: number) => ({
      id: `${user}-c:${n}:0`,
      clientId: user,
      connectionId: `${user}-c`,
      action,
      timestamp: start + n * 1000,
    });
    const deliver = async (channel: string, user: string, n: number, action: number) => {
      const request = ablyBatchRequest([ablyPresenceItem(channel, [message(user, n, action)])], { key: KEY });
      const answer = await receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/' });
      expect(answer.status).toBe(200);
    };
    try {
      await store.migrate();
      await deliver('room-42', 'ana', 0, ABLY_ACTION.enter);
      await deliver('room-42', 'bob', 1, ABLY_ACTION.enter);
      await deliver('room-42', 'ana', 2, ABLY_ACTION.leave);
      await deliver('room-7', 'cai', 3, ABLY_ACTION.enter);
      await admin.query(`create table ${schema}.team_members (team_id text not null, user_id text not null)`);
      await admin.query(`insert into ${schema}.team_members values ('t1', 'bob'), ('t1', 'cai'), ('t2', 'ana')`);

      const [who, sessions, teammates] = queries as [string, string, string];
      const from = new Date(start - 60_000);
      const to = new Date();
      const inRoom = await admin.query<{ user_id: string }>(who, ['room-42', from, to]);
      expect(inRoom.rows.map((r) => r.user_id).sort()).toEqual(['ana', 'bob']);
      const bobs = await admin.query<{ channel: string; left_at: Date | null }>(sessions, ['bob']);
      expect(bobs.rows.map((r) => [r.channel, r.left_at])).toEqual([['room-42', null]]);
      const online = await admin.query<{ user_id: string; channel: string }>(teammates, ['t1']);
      expect(online.rows.map((r) => `${r.user_id} ${r.channel}`).sort()).toEqual(['bob room-42', 'cai room-7']);
    } finally {
      await receiver.close();
      await store.close();
    }
  });
});
