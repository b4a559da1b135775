// The README's three sessions queries with their plans: 300k sessions (3000 channels, 20k users, 30 days) in a
// schema of its own and a team table, EXPLAIN ANALYZE of each, then both dropped.  node packages/postgres/ab/sessions-explain.mjs
import { PostgresStore } from '@presence-webhooks/postgres';
import pg from 'pg';
const url = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = 'pwt_explain_' + process.pid;
const store = new PostgresStore({ connectionString: url, schema, queryTimeoutMs: 120000 });
await store.migrate();
const c = new pg.Client({ connectionString: url });
await c.connect();
// 300k sessions: 3000 channels, 20k users, over 30 days; 2% still open.
await c.query(`insert into ${schema}.sessions (provider, channel, member_key, user_id, joined_at, left_at, leave_reason)
  select 'ably', 'room-' || (i % 3000), 'conn' || i || ':user-' || (i % 20000), 'user-' || (i % 20000),
         now() - (i % 43200) * interval '1 minute',
         case when i % 50 = 0 then null else now() - (i % 43200) * interval '1 minute' + (5 + i % 120) * interval '1 minute' end,
         case when i % 50 = 0 then null else 'leave' end
  from generate_series(1, 300000) i
  on conflict do nothing`);
await c.query(`create schema app_${process.pid}; create table app_${process.pid}.team_members (team_id int, user_id text, primary key (team_id, user_id));
  insert into app_${process.pid}.team_members select i % 500, 'user-' || i from generate_series(1, 20000) i;`);
await c.query(`analyze ${schema}.sessions; analyze app_${process.pid}.team_members`);
const q = {
  'who was in room-42 between t1 and t2': [
    `select user_id, member_key, joined_at, left_at from ${schema}.sessions
  where channel = $1 and joined_at < $3 and (left_at is null or left_at > $2)`,
    ['room-42', new Date(Date.now() - 3 * 86400e3), new Date(Date.now() - 2 * 86400e3)],
  ],
  'sessions of user U in the last 7 days, with durations': [
    `select channel, joined_at, left_at, coalesce(left_at, now()) - joined_at as duration
  from ${schema}.sessions where user_id = $1 and joined_at >= now() - interval '7 days' order by joined_at desc`,
    ['user-4242'],
  ],
  'teammates online now': [
    `select t.user_id, s.channel, s.joined_at from app_${process.pid}.team_members t
  join ${schema}.sessions s on s.user_id = t.user_id and s.left_at is null where t.team_id = $1`,
    [0],
  ],
};
for (const [name, [text, values]] of Object.entries(q)) {
  const { rows } = await c.query('explain (analyze, costs off, timing off, summary off) ' + text, values);
  console.log('-- ' + name + '\n' + rows.map((r) => r['QUERY PLAN']).join('\n') + '\n');
}
await c.query(`drop schema app_${process.pid} cascade`);
await store.drop();
await store.close();
await c.end();
