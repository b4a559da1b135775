// A/B of the two clients on the statement shape the store sends: one batched upsert (unnest of arrays) per call.
import pg from 'pg';
import postgres from 'postgres';
const url = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `ab_${process.pid}`;
const ROWS = Number(process.env.ROWS ?? 20),
  CALLS = Number(process.env.CALLS ?? 3000),
  INFLIGHT = Number(process.env.INFLIGHT ?? 8);
const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(
  `create schema ${schema}; create table ${schema}.m(channel text, member_key text, ts float8, data text, primary key(channel, member_key))`,
);
const sql = `insert into ${schema}.m(channel, member_key, ts, data) select * from unnest($1::text[], $2::text[], $3::float8[], $4::text[]) on conflict (channel, member_key) do update set ts = excluded.ts, data = excluded.data where m.ts < excluded.ts`;
let n = 0;
const args = () => {
  const c = [],
    k = [],
    t = [],
    d = [];
  for (let i = 0; i < ROWS; i++) {
    c.push(`ch-${n % 500}`);
    k.push(`conn${i}:user${i}`);
    t.push(++n);
    d.push('member-data-' + i);
  }
  return [c, k, t, d];
};
async function run(name, call) {
  for (let i = 0; i < 200; i++) await call(args());
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: INFLIGHT }, async () => {
      while (next++ < CALLS) await call(args());
    }),
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const r = (CALLS * ROWS) / s;
  console.log(`${name}: ${Math.round(CALLS / s)} calls/s, ${Math.round(r)} rows/s`);
  return r;
}
const pool = new pg.Pool({ connectionString: url, max: INFLIGHT });
const a = await run('pg (Pool, prepared by name)', (v) => pool.query({ name: 'ab', text: sql, values: v }));
const b0 = postgres(url, { max: INFLIGHT, onnotice: () => {} });
const b = await run('postgres (prepared)', ([c, k, t, d]) => b0.unsafe(sql, [c, k, t, d], { prepare: true }));
const a2 = await run('pg again', (v) => pool.query({ name: 'ab', text: sql, values: v }));
console.log(`postgres / pg = ${(b / ((a + a2) / 2)).toFixed(2)} (ROWS=${ROWS} INFLIGHT=${INFLIGHT})`);
await pool.end();
await b0.end();
await admin.query(`drop schema ${schema} cascade`);
await admin.end();
