/**
 * What PostgresStore has beyond the conformance suite, on the real PostgreSQL (each test in its own
 * schema, dropped after): the sessions table, user levels with grace windows closed once across
 * instances, the change feed (cursors, LISTEN/NOTIFY wake-up, claim/ack, expired cursors), the
 * amortised expiry, and bad input refused without a change.
 */
import type { Change, PresenceEvent } from '@presence-webhooks/core/store';
import { PostgresStore } from '@presence-webhooks/postgres';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchemas, POSTGRES_URL, postgresAvailable, uniqueSchema } from './helpers/postgres.js';

const available = await postgresAvailable();
const prefix = uniqueSchema('store');
const T0 = Date.now() - 5 * 60_000; // provider times: a few minutes ago

let serial = 0;
function ev(
  clientId: string,
  kind: 'enter' | 'update' | 'leave',
  options: { channel?: string; conn?: string; at?: number; userId?: string; reason?: 'leave' | 'timeout' | 'resync' } = {},
): PresenceEvent {
  const conn = options.conn ?? `${clientId}-c`;
  const s = ++serial;
  const ts = options.at ?? T0 + s * 1000;
  const present = kind !== 'leave';
  const e: PresenceEvent = {
    provider: 'ably',
    channel: options.channel ?? 'room-1',
    memberKey: `${conn}:${clientId}`,
    present,
    member: { clientId, connectionId: conn, timestamp: ts, ...(present ? { data: { kind } } : {}) },
    order: { ts, serial: s, index: 0, rank: kind === 'enter' ? 0 : kind === 'update' ? 1 : 2, id: `${conn}:${s}:0` },
    ...(options.userId === undefined ? {} : { userId: options.userId }),
  };
  if (!present) e.reason = options.reason ?? 'leave';
  return e;
}
const types = (changes: Change[]) => changes.map((c) => `${c.type}${'userId' in c ? ` ${c.userId}` : ''}`);

describe.skipIf(!available)('PostgresStore on the real PostgreSQL', () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  const opened: PostgresStore[] = [];
  let n = 0;
  async function open(
    options: { schema?: string; tombstoneHorizonMs?: number; feed?: { retainMs?: number; pollMs?: number } | false } = {},
  ) {
    const schema = options.schema ?? `${prefix}_${n++}`;
    const store = new PostgresStore({ connectionString: POSTGRES_URL, maxConnections: 3, ...options, schema });
    opened.push(store);
    await store.migrate();
    return store;
  }
  afterAll(async () => {
    for (const s of opened) await s.close();
    await dropSchemas(admin, prefix);
    await admin.end();
  });

  it('an unknown option is a TypeError that says which name was meant (no connection is made)', () => {
    expect(() => new PostgresStore({ connectionstring: POSTGRES_URL } as never)).toThrow(/did you mean PostgresStore\.connectionString\?/);
  });

  it('sessions: one open row per present member, closed with the reason on the effective leave (resync included), provider times', async () => {
    const store = await open();
    const a = ev('alice', 'enter');
    const b = ev('bob', 'enter');
    await store.apply([a, b, ev('carol', 'enter'), ev('alice', 'update')]);
    await store.apply([ev('bob', 'leave', { reason: 'timeout' }), ev('carol', 'leave', { reason: 'resync' })]);
    await store.apply([ev('bob', 'enter'), ev('bob', 'leave')]);
    // A stale enter and a duplicate leave change nothing: no row.
    await store.apply([{ ...b, order: { ...b.order } }, ev('zed', 'leave')]);
    const { rows } = await admin.query(`select member_key, joined_at, left_at, leave_reason from ${store.schema}.sessions order by id`);
    expect(
      rows.map((r: { member_key: string; left_at: Date | null; leave_reason: string | null }) => [
        r.member_key,
        r.left_at === null,
        r.leave_reason,
      ]),
    ).toEqual([
      ['alice-c:alice', true, null],
      ['bob-c:bob', false, 'timeout'],
      ['carol-c:carol', false, 'resync'],
      ['bob-c:bob', false, 'leave'],
    ]);
    expect((rows[0] as { joined_at: Date }).joined_at.getTime()).toBe(a.member.timestamp);
    expect(await store.sessionCount()).toEqual({ open: 1, closed: 3 });
    const members = await store.members('room-1');
    expect(members.map((m) => m.clientId)).toEqual(['alice']);
  });

  it('user levels, grace 0: user.join + user.online on the first member, user.leave + user.offline (lastSeen = the latest leave) on the last', async () => {
    const store = await open();
    const users = { graceMs: 0, lastSeenMs: 60_000, now: Date.now() };
    const first = ev('alice', 'enter', { conn: 'tab1', userId: 'u-alice' });
    expect(types(await store.apply([first], { users }))).toEqual(['join', 'user.join u-alice', 'user.online u-alice']);
    expect(types(await store.apply([ev('alice', 'enter', { conn: 'tab2', userId: 'u-alice' })], { users }))).toEqual(['join']);
    expect(types(await store.apply([ev('alice', 'enter', { conn: 'tab3', channel: 'room-2', userId: 'u-alice' })], { users }))).toEqual([
      'join',
      'user.join u-alice',
    ]);
    expect(await store.users('room-1')).toEqual(['u-alice']);
    expect(await store.user('u-alice')).toEqual({
      userId: 'u-alice',
      online: true,
      channels: ['room-1', 'room-2'],
      members: 3,
      since: first.member.timestamp,
    });
    expect(await store.userCount()).toBe(1);
    // A leave uses the stored user id, not its own.
    const late = ev('alice', 'leave', { conn: 'tab2', at: T0 + 900_000 });
    const early = ev('alice', 'leave', { conn: 'tab1', at: T0 + 800_000 });
    expect(types(await store.apply([late], { users }))).toEqual(['leave']);
    const out = await store.apply([early, ev('alice', 'leave', { conn: 'tab3', channel: 'room-2', at: T0 + 700_000 })], { users });
    expect(types(out)).toEqual(['leave', 'user.leave u-alice', 'leave', 'user.leave u-alice', 'user.offline u-alice']);
    expect(out[1]).toMatchObject({ type: 'user.leave', channel: 'room-1', at: late.member.timestamp, lastSeen: late.member.timestamp });
    expect(out[4]).toMatchObject({ type: 'user.offline', at: late.member.timestamp, lastSeen: late.member.timestamp });
    expect(await store.user('u-alice')).toEqual({
      userId: 'u-alice',
      online: false,
      channels: [],
      members: 0,
      lastSeen: late.member.timestamp,
    });
    expect(await store.userCount()).toBe(0);
    // Forgotten after lastSeenMs.
    await store.expireUsers({ graceMs: 0, lastSeenMs: 1, now: late.member.timestamp + 10 });
    expect(await store.user('u-alice')).toBeUndefined();
  });

  it('user levels with a grace window: a return within it emits nothing; its end is closed once across two instances', async () => {
    const schema = `${prefix}_grace`;
    const a = await open({ schema });
    const b = await open({ schema });
    const now = Date.now();
    const users = { graceMs: 10_000, lastSeenMs: 60_000, now };
    await a.apply([ev('bob', 'enter', { userId: 'u-bob' })], { users });
    expect(types(await a.apply([ev('bob', 'leave')], { users }))).toEqual(['leave']);
    expect(await b.user('u-bob')).toMatchObject({ online: true, channels: ['room-1'], members: 0 });
    expect(await b.users('room-1')).toEqual(['u-bob']);
    // Back within the window: only the member join.
    expect(types(await b.apply([ev('bob', 'enter', { userId: 'u-bob' })], { users: { ...users, now: now + 5000 } }))).toEqual(['join']);
    const leave = ev('bob', 'leave');
    await b.apply([leave], { users: { ...users, now: now + 6000 } });
    expect(await a.expireUsers({ ...users, now: now + 15_000 })).toEqual([]); // 6000 + 10000 not reached
    const closing = await Promise.all([a, b, a, b].map((s) => s.expireUsers({ ...users, now: now + 16_000 })));
    const all = closing.flat();
    expect(types(all)).toEqual(['user.leave u-bob', 'user.offline u-bob']);
    expect(all[1]).toMatchObject({ lastSeen: leave.member.timestamp });
    expect(await a.userCount()).toBe(0);
  });

  it('the feed: every change with a cursor, read after a cursor with no gap, woken by NOTIFY, claim once and ack, expired cursors refused', async () => {
    const schema = `${prefix}_feed`;
    const a = await open({ schema });
    const b = await open({ schema });
    const feed = b.feed as NonNullable<PostgresStore['feed']>;
    const head = await feed.head();
    const applied = await a.apply([ev('alice', 'enter'), ev('bob', 'enter')], {
      notices: [{ type: 'channel.active', provider: 'ably', channel: 'room-1', timestamp: T0 }],
    });
    expect(types(applied)).toEqual(['channel.active', 'join', 'join']);
    expect(new Set(applied.map((c) => c.cursor)).size).toBe(3);
    const read = await feed.read(head, { limit: 10, waitMs: 0 });
    expect(read).toEqual(applied.map((c) => ('member' in c ? { ...c, member: c.member } : c)));
    const last = applied[2]?.cursor as string;
    // A waiting read is woken by the next commit.
    const waiting = feed.read(last, { limit: 10, waitMs: 20_000 });
    const later = await a.apply([ev('carol', 'enter')]);
    expect(await waiting).toEqual(later);
    // An aborted wait answers what there is: nothing.
    const controller = new AbortController();
    const aborted = feed.read(later[0]?.cursor as string, { limit: 10, waitMs: 20_000, signal: controller.signal });
    controller.abort();
    expect(await aborted).toEqual([]);
    // Emit once: only unacked changes are claimed, each by one caller.
    await (a.feed as NonNullable<PostgresStore['feed']>).ack(applied.map((c) => c.cursor as string));
    await new Promise((r) => setTimeout(r, 300));
    const claims = (await Promise.all([feed.claim(200, 10), (a.feed as typeof feed).claim(200, 10)])).flat();
    expect(claims).toEqual(later);
    expect(await feed.claim(200, 10)).toEqual([]); // claimed for 200 ms more
    await feed.ack(claims.map((c) => c.cursor as string));
    await new Promise((r) => setTimeout(r, 300));
    expect(await feed.claim(200, 10)).toEqual([]);
    await expect(feed.read('not-a-cursor', { limit: 1, waitMs: 0 })).rejects.toMatchObject({ code: 'feed_cursor_expired' });
  });

  it('the feed: a waiting read on another instance is woken by LISTEN/NOTIFY, not by its poll', async () => {
    const schema = `${prefix}_notify`;
    const writer = await open({ schema });
    // Its poll would look again only after a minute: only the NOTIFY can wake it within the wait.
    const reader = await open({ schema, feed: { pollMs: 60_000 } });
    const feed = reader.feed as NonNullable<PostgresStore['feed']>;
    const head = await feed.head();
    await feed.read(head, { limit: 1, waitMs: 1 }); // the listener is connected
    // Without the wake-up this read would answer only after a minute: the test's timeout fails it first.
    const waiting = feed.read(head, { limit: 10, waitMs: 60_000 });
    await new Promise((r) => setTimeout(r, 100));
    const committed = await writer.apply([ev('nora', 'enter')]);
    expect(await waiting).toEqual(committed);
  }, 20_000);

  it('the feed: a cursor older than the retention throws feed_cursor_expired', async () => {
    const store = await open({ feed: { retainMs: 1 } });
    const feed = store.feed as NonNullable<PostgresStore['feed']>;
    const before = await feed.head();
    const [first] = await store.apply([ev('alice', 'enter')]);
    expect(await feed.read(before, { limit: 5, waitMs: 0 })).toEqual([first]);
    await new Promise((r) => setTimeout(r, 50));
    const [second] = await store.apply([ev('bob', 'enter')]); // trims the first
    await expect(feed.read(before, { limit: 1, waitMs: 0 })).rejects.toMatchObject({ code: 'feed_cursor_expired' });
    // Right after the trimmed one nothing is lost: still readable.
    expect(await feed.read(first?.cursor as string, { limit: 5, waitMs: 0 })).toEqual([second]);
  });

  it('expiry needs no scheduler: tombstones and dead channels are collected by later applies', async () => {
    const store = await open({ tombstoneHorizonMs: 200 });
    await store.apply([ev('alice', 'enter', { channel: 'gone' }), ev('bob', 'leave', { channel: 'gone-too' })]);
    await store.apply([ev('alice', 'leave', { channel: 'gone' })], { watermarks: [{ channel: 'marked', time: T0 }] });
    await new Promise((r) => setTimeout(r, 400));
    await store.apply([ev('zoe', 'enter', { channel: 'elsewhere' })]);
    const count = async (table: string) => Number((await admin.query(`select count(*) as n from ${store.schema}.${table}`)).rows[0].n);
    expect(await count('members')).toBe(1);
    expect((await admin.query(`select channel from ${store.schema}.channels`)).rows).toEqual([{ channel: 'elsewhere' }]);
    expect(await store.watermark('marked')).toBeUndefined();
  });

  it('bad input is refused with a TypeError and changes nothing', async () => {
    const store = await open();
    await expect(store.apply([ev('alice', 'enter')], { staleBefore: Number.NaN })).rejects.toThrow(TypeError);
    await expect(store.apply([ev('alice', 'enter')], { users: { graceMs: -1, lastSeenMs: 1, now: 1 } })).rejects.toThrow(TypeError);
    await expect(store.apply([null as unknown as PresenceEvent])).rejects.toThrow(TypeError);
    expect(await store.members('room-1')).toEqual([]);
    expect(() => new PostgresStore({ connectionString: POSTGRES_URL, schema: 'Bad-Name; drop' })).toThrow(
      /presence-webhooks: schema must be/,
    );
    expect(() => new PostgresStore({ connectionString: POSTGRES_URL, tombstoneHorizonMs: -5 })).toThrow(TypeError);
  });

  it('many receivers writing the same channels and users at once: no deadlock, no lost update, counts equal the rows', async () => {
    const schema = `${prefix}_busy`;
    const stores: PostgresStore[] = [];
    for (let i = 0; i < 6; i++) stores.push(await open({ schema }));
    const users = { graceMs: 0, lastSeenMs: 60_000, now: Date.now() };
    // 40 members over 2 channels, 8 users each owning members in both channels; each member enters then leaves or stays.
    const history: PresenceEvent[] = [];
    for (let m = 0; m < 40; m++) {
      const channel = m % 2 === 0 ? 'busy-a' : 'busy-b';
      const userId = `u${m % 8}`;
      history.push(ev(`m${m}`, 'enter', { channel, userId }));
      if (m % 3 === 0) history.push(ev(`m${m}`, 'leave', { channel }));
    }
    // Batches mixing both channels in both orders, each sent twice through different stores, all at once.
    const batches: PresenceEvent[][] = [];
    for (let i = 0; i < history.length; i += 5) {
      const batch = history.slice(i, i + 5);
      batches.push(batch, [...batch].reverse());
    }
    const answers = await Promise.all(batches.map((batch, i) => (stores[i % stores.length] as PostgresStore).apply(batch, { users })));
    const reader = stores[0] as PostgresStore;
    const present = new Set(history.filter((e) => e.present).map((e) => e.memberKey));
    for (const e of history) if (!e.present) present.delete(e.memberKey);
    const a = await reader.members('busy-a');
    const b = await reader.members('busy-b');
    expect(a.length + b.length).toBe(present.size);
    expect((await reader.occupancy('busy-a')) + (await reader.occupancy('busy-b'))).toBe(present.size);
    // Each member change once across all answers; user levels balance to what is present.
    const memberChanges = answers.flat().filter((c) => c.type === 'join' || c.type === 'leave');
    const joins = memberChanges.filter((c) => c.type === 'join').map((c) => (c as { member: { clientId: string } }).member.clientId);
    expect(new Set(joins).size).toBe(joins.length); // no member joined twice
    expect(joins.length - (memberChanges.length - joins.length)).toBe(present.size);
    const { rows } = await admin.query<{ user_id: string; members: number }>(
      `select user_id, members from ${schema}.users where members > 0 order by user_id`,
    );
    const expected = new Map<string, number>();
    for (const e of history)
      if (e.present && present.has(e.memberKey)) expected.set(e.userId as string, (expected.get(e.userId as string) ?? 0) + 1);
    expect(rows.map((r) => [r.user_id, r.members])).toEqual([...expected].sort(([x], [y]) => (x < y ? -1 : 1)));
    expect(await reader.userCount()).toBe(expected.size);
  });

  it('staleBefore: an event older than it, for a member the store holds nothing of, is stale; held members merge as before', async () => {
    const store = await open();
    const held = ev('alice', 'enter', { at: T0 });
    await store.apply([held]);
    const cut = T0 + 60_000;
    expect(await store.apply([ev('bob', 'enter', { at: T0 + 1000 })], { staleBefore: cut })).toEqual([]);
    expect(types(await store.apply([ev('alice', 'update', { at: T0 + 2000 })], { staleBefore: cut }))).toEqual(['update']);
    expect(types(await store.apply([ev('bob', 'enter', { at: cut })], { staleBefore: cut }))).toEqual(['join']);
  });
});
