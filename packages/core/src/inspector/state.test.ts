import { describe, expect, it } from 'vitest';
import type { PresenceEvent } from '../events.js';
import { StatsCounter } from '../observe/stats.js';
import { MemoryStore } from '../presence/memory-store.js';
import type { ChannelActivity, ReportedFigure, StateSources } from './state.js';
import { buildState, PAGE_SIZE } from './state.js';
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
  };
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
});
