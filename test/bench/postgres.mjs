// Section: PostgresStore. One receiver: deliveries of one presence event each (with the options the receiver passes by default:
// user levels, staleBefore; then again without user levels) (one channel per delivery, channels in
// turn; members go enter -> update -> leave), applied `concurrency` at a time on one store (1: a receiver's
// delivery queue applies one delivery after another): events/s, against a bare `INSERT … ON CONFLICT DO UPDATE` of the same rows,
// in the same batching (one statement per delivery), on the same pool, in the same run (rounds interleaved).
// The bare upsert is the floor of any store that commits each delivery: one statement, one commit; the
// store's statement merges (order rules, tombstones, watermarks), counts occupancy, opens/closes sessions
// and writes the change feed. For context, the same rows as 100-row batched upserts (not a delivery's shape).
// Then bytes per member on disk: pg_total_relation_size of the tables ÷ present members.
import pg from 'pg';
import { PostgresStore } from '@presence-webhooks/postgres';
import { median, msSince, round } from './stats.mjs';
import { stepEvent } from './redis.mjs';
import { ablyOrderKey } from '../../packages/core/dist/order-key.js';

const URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const T0 = Date.now() - 10 * 60_000;

/** Delivery `d`: one event on channel d % channels, its q-th on that channel (redis.mjs's stepEvent: enter, update, leave). */
function event(d, channels) {
  const q = Math.floor(d / channels);
  return stepEvent(d % channels, q, T0 + q);
}

async function inParallel(items, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const BARE = (schema) =>
  `insert into ${schema}.bare (channel, member_key, present, ts, member)
   select * from unnest($1::text[], $2::text[], $3::boolean[], $4::float8[], $5::bytea[]) as r(c, k, p, t, m)
   on conflict (channel, member_key) do update set present = excluded.present, ts = excluded.ts, member = excluded.member
   where bare.ts < excluded.ts`;

function bareValues(input) {
  // One row per key (a statement cannot upsert a row twice): the newest event of each member.
  const newest = new Map();
  for (const e of input) {
    const key = `${e.channel}\u0000${e.memberKey}`;
    if ((newest.get(key)?.order.ts ?? -Infinity) < e.order.ts) newest.set(key, e);
  }
  const events = [...newest.values()];
  return [
    events.map((e) => e.channel),
    events.map((e) => e.memberKey),
    events.map((e) => e.present),
    events.map((e) => e.order.ts),
    events.map((e) => Buffer.from(JSON.stringify(e.member))),
  ];
}

/**
 * @param {{ deliveries?: number, channels?: number, rounds?: number, concurrency?: number, members?: number }} options
 */
export async function benchPostgres({ deliveries = 2000, channels = 500, rounds = 3, concurrency = 4, members = 50_000 } = {}) {
  const pool = new pg.Pool({ connectionString: URL, max: concurrency + 1 });
  pool.on('error', () => undefined);
  const base = `pwbench_${process.pid.toString(36)}`;
  const version = (await pool.query('show server_version')).rows[0].server_version;
  const storeRates = [];
  const plainRates = [];
  const bareRates = [];
  const batchedRates = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const schema = `${base}_${r}`;
      const store = new PostgresStore({ pool, schema, queryTimeoutMs: 30_000 });
      await store.migrate();
      await pool.query(
        `create table ${schema}.bare (channel text, member_key text, present boolean, ts float8, member bytea, primary key (channel, member_key))`,
      );
      const events = Array.from({ length: deliveries }, (_, d) => event(d, channels));
      await store.apply([{ ...events[0], channel: 'warm-up' }]);
      await pool.query({ name: `bare_${schema}`, text: BARE(schema), values: bareValues([{ ...events[0], channel: 'warm-up' }]) });

      let t0 = process.hrtime.bigint();
      let changes = 0;
      await inParallel(events, concurrency, async (e) => {
        const answered = await store.apply([{ ...e, userId: e.member.clientId }], {
          staleBefore: T0 - 60_000,
          users: { graceMs: 0, lastSeenMs: 30 * 86_400_000, now: Date.now() },
        });
        changes += answered.filter((c) => !c.type.startsWith('user.')).length;
      });
      storeRates.push((deliveries / msSince(t0)) * 1000);
      if (changes !== deliveries) throw new Error(`PostgresStore answered ${changes} changes for ${deliveries} events`);

      // The same deliveries again, on a fresh schema, without user levels (a receiver with `users: false`).
      const plain = new PostgresStore({ pool, schema: `${schema}_plain`, queryTimeoutMs: 30_000 });
      await plain.migrate();
      await plain.apply([{ ...events[0], channel: 'warm-up' }]);
      t0 = process.hrtime.bigint();
      await inParallel(events, concurrency, async (e) => {
        await plain.apply([e], { staleBefore: T0 - 60_000 });
      });
      plainRates.push((deliveries / msSince(t0)) * 1000);
      await plain.drop();

      t0 = process.hrtime.bigint();
      await inParallel(events, concurrency, async (e) => {
        await pool.query({ name: `bare_${schema}`, text: BARE(schema), values: bareValues([e]) });
      });
      bareRates.push((deliveries / msSince(t0)) * 1000);

      await pool.query(`truncate ${schema}.bare`);
      const batches = [];
      for (let i = 0; i < events.length; i += 100) batches.push(events.slice(i, i + 100));
      t0 = process.hrtime.bigint();
      await inParallel(batches, concurrency, async (batch) => {
        await pool.query({ name: `bare_${schema}`, text: BARE(schema), values: bareValues(batch) });
      });
      batchedRates.push((deliveries / msSince(t0)) * 1000);
      await store.drop();
    }

    // Bytes per member on disk: `members` present members (10 per channel), applied in batches of 500.
    const schema = `${base}_disk`;
    const store = new PostgresStore({ pool, schema, queryTimeoutMs: 60_000 });
    await store.migrate();
    const all = [];
    for (let i = 0; i < members; i++) {
      const c = Math.floor(i / 10);
      const e = event(c, Number.MAX_SAFE_INTEGER); // enter of the first member of channel c ...
      const connectionId = `c${c}m${i % 10}`;
      const clientId = `user-${i}`;
      all.push({
        ...e,
        channel: `room-${c}`,
        memberKey: `${connectionId}:${clientId}`,
        member: { clientId, connectionId, timestamp: T0 + i, data: { status: 'online' } },
        order: ablyOrderKey(`${connectionId}:1:0`, connectionId, T0 + i, false),
      });
    }
    for (let i = 0; i < all.length; i += 500) await store.apply(all.slice(i, i + 500));
    await pool.query(`vacuum analyze ${schema}.members, ${schema}.channels, ${schema}.sessions, ${schema}.feed`);
    const size = async (table) => Number((await pool.query(`select pg_total_relation_size('${schema}.${table}') as n`)).rows[0].n);
    const membersBytes = await size('members');
    const channelsBytes = await size('channels');
    const sessionsBytes = await size('sessions');
    const feedBytes = await size('feed');
    await store.drop();

    const storeEps = round(median(storeRates));
    const bareEps = round(median(bareRates));
    return {
      postgres: version,
      deliveries,
      concurrency,
      eventsPerSec: storeEps,
      bareUpsertPerSec: bareEps,
      ratioToBare: round(storeEps / bareEps, 2),
      eventsPerSecNoUsers: round(median(plainRates)),
      ratioToBareNoUsers: round(median(plainRates) / bareEps, 2),
      batched100PerSec: round(median(batchedRates)),
      members,
      bytesPerMember: round((membersBytes + channelsBytes) / members),
      sessionBytesPerMember: round(sessionsBytes / members),
      feedBytesPerChange: round(feedBytes / members),
    };
  } finally {
    for (const { nspname } of (await pool.query(`select nspname from pg_namespace where starts_with(nspname, $1)`, [base])).rows)
      await pool.query(`drop schema if exists ${nspname} cascade`);
    await pool.end();
  }
}
