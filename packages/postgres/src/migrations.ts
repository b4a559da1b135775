/**
 * The schema, as numbered migrations. `migrate()` applies, in one transaction under an advisory lock,
 * every migration above the version recorded in `<schema>.schema_version`, and records each: a second run
 * finds nothing to do, and a schema made by this version is upgraded by the next one's later entries.
 * Never edit a released migration: append one.
 *
 * `__S__` stands for the (checked, lower-case) schema name.
 */
import { APPLY_FUNCTION } from './apply-function.js';
import { EXPIRE_FUNCTION } from './expire-function.js';

export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'members, channels, sessions, leases, user levels, feed, apply()',
    sql: `
create table __S__.channels (
  channel text primary key,
  present integer not null default 0,
  watermark double precision,
  reported_occupancy integer,
  reported_at double precision,
  -- the last write to the channel (a tombstone, a watermark): an empty channel is freed a horizon after it
  touched_at timestamptz not null default now()
);
create index channels_present on __S__.channels (channel) where present > 0;
create index channels_empty on __S__.channels (touched_at) where present = 0;

create table __S__.members (
  channel text not null,
  member_key text not null,
  present boolean not null,
  ts double precision not null,
  serial double precision not null,
  idx double precision not null,
  rank smallint not null,
  -- the order id as UTF-16BE bytes: bytea order is JavaScript's string order
  id bytea not null,
  -- the Member as MessagePack (any JSON value or bytes round-trips)
  member bytea not null,
  client_id text not null,
  user_id text,
  changed_at timestamptz not null default now(),
  primary key (channel, member_key)
);
create index members_tombstones on __S__.members (changed_at) where not present;

create table __S__.sessions (
  id bigserial primary key,
  provider text not null,
  channel text not null,
  member_key text not null,
  user_id text,
  joined_at timestamptz not null,
  left_at timestamptz,
  leave_reason text
);
create unique index sessions_open on __S__.sessions (channel, member_key) where left_at is null;
create index sessions_open_user on __S__.sessions (user_id) where left_at is null and user_id is not null;
create index sessions_channel_time on __S__.sessions (channel, joined_at, left_at);
create index sessions_user on __S__.sessions (user_id, joined_at) where user_id is not null;
create index sessions_closed on __S__.sessions (left_at) where left_at is not null;

create table __S__.leases (
  name text primary key,
  token bigint not null,
  expires_at timestamptz not null,
  done_at timestamptz,
  done_token bigint
);

-- user levels: (user, channel) and (user); pending_until on the receiver's clock (ms), null when not pending
create table __S__.user_channels (
  user_id text not null,
  channel text not null,
  provider text not null,
  members integer not null default 0,
  pending_until double precision,
  last_seen double precision,
  primary key (user_id, channel)
);
create index user_channels_channel on __S__.user_channels (channel, user_id);
create index user_channels_pending on __S__.user_channels (pending_until) where pending_until is not null;
create table __S__.users (
  user_id text primary key,
  members integer not null default 0,
  since double precision,
  last_seen double precision,
  pending_until double precision,
  -- when it went offline (receiver clock, ms): forgotten lastSeenMs later
  offline_at double precision
);
-- no index names members: a change of a user's member count stays a HOT update
create index users_pending on __S__.users (pending_until) where pending_until is not null;
create index users_offline on __S__.users (offline_at) where offline_at is not null;

-- the change feed (outbox): written in apply's transaction
create table __S__.feed (
  cursor bigserial primary key,
  -- the writing transaction: a reader sees a row once every older transaction has ended (no gap)
  xid xid8 not null default pg_current_xact_id(),
  committed_at timestamptz not null default now(),
  kind text not null,
  provider text,
  channel text,
  member bytea,
  previous bytea,
  reason text,
  user_id text,
  at double precision,
  last_seen double precision,
  acked boolean not null default false,
  claimed_until timestamptz
);
create index feed_order on __S__.feed (xid, cursor);
create index feed_committed on __S__.feed (committed_at);
-- the newest cursor retention deleted: reading after an older one throws feed_cursor_expired
create table __S__.feed_trim (xid xid8 not null, cursor bigint not null);
insert into __S__.feed_trim values ('0', 0);
create index feed_unacked on __S__.feed (cursor) where not acked;
${APPLY_FUNCTION}
${EXPIRE_FUNCTION}
`,
  },
];
