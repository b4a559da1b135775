import { describe, expect, it } from 'vitest';
import type { Member, PresenceEvent } from '../events.js';
import { StatsCounter } from '../observe/stats.js';
import { MemoryStore } from '../presence/memory-store.js';
import type { ChannelActivity, ReportedFigure, StateSources } from './state.js';
import { buildState, byUser, groupsOf, PAGE_SIZE } from './state.js';
import { Timeline } from './timeline.js';

const T = Date.now() - 120_000;

function enter(channel: string, clientId: string, ts = T): PresenceEvent {
  return {
    provider: 'ably',
    channel,
    member: { clientId, connectionId: `c-${clientId}`, timestamp: ts },
    present: true,
    order: { ts, serial: -1, index: 0, rank: 0 },
  } as PresenceEvent;
}

function sources(store: MemoryStore, options: Partial<StateSources> & { providers?: ('ably' | 'pubnub')[] } = {}): StateSources {
  const counter = new StatsCounter();
  counter.configure(options.providers ?? ['ably', 'pubnub']);
  return {
    store,
    stats: counter.snapshot(0),
    noted: options.noted ?? new Map<string, ReportedFigure>(),
    activity: options.activity ?? new Map<string, ChannelActivity>(),
    actions: false,
    timeline: new Timeline().snapshot(),
    ...(options.userOf === undefined ? {} : { userOf: options.userOf }),
  };
}

/** The user id of the tests' members: `data.user` when set (as a `users.id` would), else the clientId. */
const userOf = (member: Member) => {
  const data = member.data as { user?: unknown } | undefined;
  return typeof data?.user === 'string' ? data.user : member.clientId;
};

/** A member of a user on a connection, entering with user levels on (as the tracker gives it to the store). */
function person(channel: string, user: string, connection: string, ts: number): PresenceEvent {
  const event = enter(channel, `${user}-${connection}`, ts);
  event.member = { clientId: `${user}-${connection}`, connectionId: connection, data: { user }, timestamp: ts };
  event.memberKey = `${connection}:${user}-${connection}`;
  event.userId = user;
  return event;
}

describe('inspector state', () => {
  it('the provider: the one configured, else the one whose events named the channel', async () => {
    const store = new MemoryStore();
    await store.apply([enter('a', 'x')]);
    expect((await buildState(sources(store, { providers: ['ably'] }))).channels[0]?.provider).toBe('ably');
    expect((await buildState(sources(store))).channels[0]?.provider).toBeUndefined();
    const activity = new Map<string, ChannelActivity>([['a', { provider: 'ably', changedAt: T, seenAt: T }]]);
    expect((await buildState(sources(store, { activity }))).channels[0]?.provider).toBe('ably');
  });

  it('drift while the figure differs and nothing changed after it; cleared by a later change', async () => {
    const store = new MemoryStore();
    await store.apply([enter('a', 'x')]);
    const noted = new Map<string, ReportedFigure>([['a', { provider: 'pubnub', reported: 3, timestamp: T }]]);
    const before = new Map<string, ChannelActivity>([['a', { provider: 'pubnub', changedAt: T, seenAt: T }]]);
    expect((await buildState(sources(store, { noted, activity: before }))).channels[0]).toMatchObject({
      stored: 1,
      reported: 3,
      drift: true,
    });
    const after = new Map<string, ChannelActivity>([['a', { provider: 'pubnub', changedAt: T + 1000, seenAt: T + 1000 }]]);
    expect((await buildState(sources(store, { noted, activity: after }))).channels[0]).toMatchObject({ reported: 3, drift: false });
  });

  it("a drift check's figure (this receiver's clock) is cleared by a change seen after it, whatever the change's provider time", async () => {
    const store = new MemoryStore();
    await store.apply([enter('a', 'x')]);
    const checkedAt = T + 60_000;
    const noted = new Map<string, ReportedFigure>([['a', { provider: 'ably', reported: 2, timestamp: checkedAt, notedAt: checkedAt }]]);
    // a late delivery: the provider stamped its change before the check, it arrived after
    const late = new Map<string, ChannelActivity>([['a', { provider: 'ably', changedAt: T + 1000, seenAt: checkedAt + 500 }]]);
    expect((await buildState(sources(store, { noted, activity: late }))).channels[0]).toMatchObject({ reported: 2, drift: false });
    const earlier = new Map<string, ChannelActivity>([['a', { provider: 'ably', changedAt: T + 1000, seenAt: checkedAt - 500 }]]);
    expect((await buildState(sources(store, { noted, activity: earlier }))).channels[0]).toMatchObject({ reported: 2, drift: true });
  });

  it('search and pages of channels and members', async () => {
    const store = new MemoryStore();
    const names = Array.from({ length: PAGE_SIZE + 5 }, (_, i) => `room-${String(i).padStart(3, '0')}`);
    await store.apply(names.map((name) => enter(name, 'x')));
    await store.apply(Array.from({ length: PAGE_SIZE + 2 }, (_, i) => enter('room-000', `m${i}`)));
    const second = await buildState(sources(store), { page: 1 });
    expect(second.channelPaging).toEqual({ query: '', page: 1, pages: 2, total: PAGE_SIZE + 5 });
    expect(second.channels.map((c) => c.channel)).toEqual(names.slice(PAGE_SIZE));
    const past = await buildState(sources(store), { page: 99, q: '  ROOM-05 ' });
    expect(past.channelPaging).toEqual({ query: 'ROOM-05', page: 0, pages: 1, total: 5 });
    const members = await buildState(sources(store), { channel: 'room-000', memberQ: 'm1', memberPage: 0 });
    expect(members.members?.paging.total).toBe(11); // m1, m10..m19
  });

  it('users off (no userOf): no lookup, no channel users, members not grouped', async () => {
    const store = new MemoryStore();
    await store.apply([enter('a', 'x')]);
    const state = await buildState(sources(store), { channel: 'a', user: 'x' });
    expect(state.users).toEqual({ on: false });
    expect(state.members?.groups).toBeUndefined();
    expect(state.members?.members.map((m) => m.clientId)).toEqual(['x']);
  });

  it('a user by exact id: online, channels, members, since; offline with lastSeen; unknown and partial ids find nobody', async () => {
    const store = new MemoryStore();
    const users = { graceMs: 0, lastSeenMs: 3_600_000, now: Date.now() };
    await store.apply(
      [person('room-b', 'alice', 'c1', T), person('room-a', 'alice', 'c2', T + 1000), person('room-a', 'bob', 'c3', T + 2000)],
      { users },
    );
    const state = await buildState(sources(store, { userOf }), { user: '  alice ' });
    expect(state.users.on).toBe(true);
    expect(state.users.lookup).toEqual({
      userId: 'alice',
      presence: { userId: 'alice', online: true, channels: ['room-a', 'room-b'], members: 2, since: T },
    });
    expect((await buildState(sources(store, { userOf }), { user: 'ali' })).users.lookup).toEqual({ userId: 'ali' });
    expect((await buildState(sources(store, { userOf }), { user: 'carol' })).users.lookup).toEqual({ userId: 'carol' });
    expect((await buildState(sources(store, { userOf }), { user: '   ' })).users.lookup).toBeUndefined();
    const leave = { ...person('room-a', 'bob', 'c3', T + 9000), present: false, reason: 'leave' } as PresenceEvent;
    leave.order = { ts: T + 9000, serial: -1, index: 0, rank: 1, id: 'bob-leave' };
    await store.apply([leave], { users });
    const bob = (await buildState(sources(store, { userOf }), { user: 'bob' })).users.lookup?.presence;
    expect(bob).toMatchObject({ userId: 'bob', online: false, channels: [], members: 0, lastSeen: T + 9000 });
  });

  it("a channel's users (store.users, paged) and its members grouped under their user id", async () => {
    const store = new MemoryStore();
    const users = { graceMs: 0, lastSeenMs: 3_600_000, now: Date.now() };
    // zed's members sort first by clientId ("a-zed-..."), alice's after: grouping puts alice first
    const zed = (connection: string) => {
      const event = person('room', 'zed', connection, T);
      event.member = { ...event.member, clientId: `a-zed-${connection}` };
      event.memberKey = `${connection}:a-zed-${connection}`;
      return event;
    };
    await store.apply(
      [zed('c1'), person('room', 'alice', 'c2', T), zed('c3'), person('room', 'alice', 'c4', T), person('room', 'bob', 'c5', T)],
      {
        users,
      },
    );
    const state = await buildState(sources(store, { userOf }), { channel: 'room' });
    expect(state.users.channel).toEqual({
      channel: 'room',
      users: ['alice', 'bob', 'zed'],
      paging: { query: '', page: 0, pages: 1, total: 3 },
    });
    const part = state.members;
    expect(part?.members.map((m) => m.clientId)).toEqual(['alice-c2', 'alice-c4', 'bob-c5', 'a-zed-c1', 'a-zed-c3']);
    expect(part?.groups).toEqual([
      { userId: 'alice', rows: [0, 1] },
      { userId: 'bob', rows: [2] },
      { userId: 'zed', rows: [3, 4] },
    ]);
    // the member search matches the user id too
    const searched = await buildState(sources(store, { userOf }), { channel: 'room', memberQ: 'ZED' });
    expect(searched.members?.groups).toEqual([{ userId: 'zed', rows: [0, 1] }]);
  });

  it('byUser keeps a user’s members in their stored order; groupsOf cuts runs of one user id', () => {
    const m = (clientId: string): Member => ({ clientId, timestamp: T });
    const rows = byUser([m('b1'), m('a1'), m('b2'), m('a2')], (member) => member.clientId.slice(0, 1));
    expect(rows.map((r) => r.member.clientId)).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(groupsOf(['x', 'x', 'y', 'x'])).toEqual([
      { userId: 'x', rows: [0, 1] },
      { userId: 'y', rows: [2] },
      { userId: 'x', rows: [3] },
    ]);
    expect(groupsOf([])).toEqual([]);
  });
});
