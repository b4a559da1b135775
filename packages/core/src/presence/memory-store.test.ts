import { describe, expect, it } from 'vitest';
import type { PresenceEvent } from '../events.js';
import { MemoryStore } from './memory-store.js';
import { ablyOrderKey } from '../order-key.js';

function ev(clientId: string, serial: number, present: boolean, ts = serial): PresenceEvent {
  const connectionId = `c-${clientId}`;
  const event: PresenceEvent = {
    provider: 'ably',
    channel: 'room',
    memberKey: `${connectionId}:${clientId}`,
    present,
    member: { clientId, connectionId, timestamp: ts, data: `d${serial}` },
    order: ablyOrderKey(`${connectionId}:${serial}:0`, connectionId, ts, !present),
  };
  if (!present) event.reason = 'leave';
  return event;
}

describe('MemoryStore', () => {
  it('emits join, update and leave once, and nothing for duplicates or stale events', async () => {
    const store = new MemoryStore();
    expect((await store.apply([ev('a', 1, true)])).map((c) => c.type)).toEqual(['join']);
    expect(await store.apply([ev('a', 1, true)])).toEqual([]);
    expect((await store.apply([ev('a', 2, true)])).map((c) => c.type)).toEqual(['update']);
    expect(await store.apply([ev('a', 0, true)])).toEqual([]);
    expect((await store.apply([ev('a', 3, false)])).map((c) => c.type)).toEqual(['leave']);
    expect(await store.members('room')).toEqual([]);
    expect(await store.channels()).toEqual([]);
  });

  it('keeps a tombstone so that an older enter arriving after its leave stays stale', async () => {
    const store = new MemoryStore();
    expect(await store.apply([ev('a', 5, false)])).toEqual([]);
    expect(await store.apply([ev('a', 4, true)])).toEqual([]);
    expect(await store.occupancy('room')).toBe(0);
    expect((await store.apply([ev('a', 6, true)])).map((c) => c.type)).toEqual(['join']);
  });

  it('collects tombstones after the horizon, and only then forgets the leave', async () => {
    let now = 1_000;
    const store = new MemoryStore({ tombstoneHorizonMs: 100, now: () => now });
    await store.apply([ev('a', 5, false), ev('b', 1, true)]);
    expect(store.size).toBe(2);
    now += 100;
    store.expire();
    expect(store.size).toBe(1);
    // Past the horizon the stale enter is no longer recognised: the documented trade-off.
    expect((await store.apply([ev('a', 4, true)])).map((c) => c.type)).toEqual(['join']);
  });

  it('a tombstone replaced by a newer present state is not collected', async () => {
    let now = 0;
    const store = new MemoryStore({ tombstoneHorizonMs: 10, now: () => now });
    await store.apply([ev('a', 1, false)]);
    now = 5;
    await store.apply([ev('a', 2, true)]);
    now = 50;
    store.expire();
    expect((await store.members('room')).map((m) => m.clientId)).toEqual(['a']);
  });

  it('keeps the newest reported occupancy per channel', async () => {
    const store = new MemoryStore();
    await store.apply([
      { ...ev('a', 1, true), reported: { occupancy: 3, timestamp: 20 } },
      { ...ev('b', 1, true), reported: { occupancy: 1, timestamp: 10 } },
    ]);
    expect(await store.reportedOccupancy('room')).toEqual({ occupancy: 3, timestamp: 20 });
  });

  it('keeps two clientIds on one connection apart, and collects both tombstones', async () => {
    let now = 0;
    const store = new MemoryStore({ tombstoneHorizonMs: 10, now: () => now });
    const as = (clientId: string, serial: number, present: boolean): PresenceEvent => {
      const e = ev('shared', serial, present);
      return { ...e, memberKey: `c-shared:${clientId}`, member: { ...e.member, clientId } };
    };
    expect((await store.apply([as('x', 1, true), as('y', 2, true)])).map((c) => c.type)).toEqual(['join', 'join']);
    expect((await store.members('room')).map((m) => m.clientId)).toEqual(['x', 'y']);
    expect((await store.apply([as('y', 3, true)])).map((c) => c.type)).toEqual(['update']);
    expect((await store.apply([as('x', 4, false), as('y', 5, false)])).map((c) => c.type)).toEqual(['leave', 'leave']);
    expect(await store.apply([as('y', 2, true)])).toEqual([]);
    now = 100;
    store.expire();
    expect(store.size).toBe(0);
  });

  it('keeps message ids that cannot be rebuilt from connectionId, serial and index', async () => {
    const store = new MemoryStore();
    const odd = { ...ev('a', 1, true), order: ablyOrderKey('c-a:01:0', 'c-a', 1, false) };
    await store.apply([odd]);
    // Same serial and index, larger id: newer by the id tie-break, so the stored id must be the real one.
    const canonical = { ...ev('a', 1, true), order: ablyOrderKey('c-a:1:0', 'c-a', 1, false) };
    expect((await store.apply([canonical])).map((c) => c.type)).toEqual(['update']);
    expect(await store.apply([odd])).toEqual([]);
  });

  it('keeps an id whose serial and index differ from the order key it came with', async () => {
    const store = new MemoryStore();
    const key = { ts: 1, serial: 0, index: 1, rank: 0, id: 'c-a:0:0' };
    await store.apply([{ ...ev('a', 0, true), order: key }]);
    // Equal serial/index/rank: only the id decides; the held id must still be "c-a:0:0".
    expect(await store.apply([{ ...ev('a', 0, true), order: { ...key, id: 'c-a:0:0' } }])).toEqual([]);
    expect((await store.apply([{ ...ev('a', 0, true), order: { ...key, id: 'c-a:0:01' } }])).map((c) => c.type)).toEqual(['update']);
  });

  it('gives back the capacity of members that left, and still collects the tombstones written before', async () => {
    let now = 0;
    const store = new MemoryStore({ tombstoneHorizonMs: 10, now: () => now });
    const ids = Array.from({ length: 40 }, (_, i) => `m${i}`);
    await store.apply(ids.map((id) => ev(id, 1, true)));
    await store.apply(ids.slice(0, 20).map((id) => ev(id, 2, false)));
    now = 5;
    await store.apply(ids.slice(20, 30).map((id) => ev(id, 2, false)));
    now = 10;
    store.expire(); // the first 20 go: the channel's map is rebuilt at half its peak
    expect(store.size).toBe(20);
    now = 15;
    store.expire(); // tombstones written before the rebuild are found in the new map
    expect(store.size).toBe(10);
    expect((await store.members('room')).map((m) => m.clientId)).toEqual(ids.slice(30).sort());
    expect((await store.apply([ev('m35', 3, true)])).map((c) => c.type)).toEqual(['update']);
  });

  it('rejects a negative horizon with the standard option error', () => {
    expect(() => new MemoryStore({ tombstoneHorizonMs: -1 })).toThrow(
      new TypeError('presence-webhooks: tombstoneHorizonMs must be a number >= 0 (got -1)'),
    );
  });

  it('rejects bad watermarks before merging anything', async () => {
    const store = new MemoryStore();
    await expect(store.apply([ev('a', 1, true)], { watermarks: [{ channel: 'room', time: Number.NaN }] })).rejects.toThrow(
      new TypeError('presence-webhooks: watermarks[0].time must be a finite number (ms) (got NaN)'),
    );
    await expect(store.apply([ev('a', 1, true)], { watermarks: 'room' as never })).rejects.toThrow(TypeError);
    expect(store.size).toBe(0);
  });

  it('frees a channel whose members all left after the horizon, whatever reported occupancy it carried', async () => {
    let now = 0;
    const store = new MemoryStore({ tombstoneHorizonMs: 10, now: () => now });
    await store.apply([{ ...ev('a', 1, true), reported: { occupancy: 1, timestamp: 1 } }]);
    await store.apply([{ ...ev('a', 2, false), reported: { occupancy: 0, timestamp: 2 } }]);
    expect(store.channelCount).toBe(1);
    now = 10;
    store.expire();
    expect([store.channelCount, store.size, store.queuedCount]).toEqual([0, 0, 0]);
    expect(await store.reportedOccupancy('room')).toBeUndefined();
  });

  it('100k PubNub channels joined and left: after the horizon and an expiry nothing of them is held', async () => {
    let now = 1_000;
    const store = new MemoryStore({ tombstoneHorizonMs: 50, now: () => now });
    const pubnub = (channel: string, present: boolean, timestamp: number, occupancy: number): PresenceEvent => ({
      provider: 'pubnub',
      channel,
      memberKey: 'uuid-1',
      present,
      ...(present ? {} : { reason: 'leave' as const }),
      member: { clientId: 'uuid-1', timestamp },
      order: { ts: timestamp, serial: -1, index: -1, rank: present ? 0 : 2, id: `${channel}:${timestamp}` },
      reported: { occupancy, timestamp },
    });
    const channels = Array.from({ length: 100_000 }, (_, i) => `dead-${i}`);
    for (let i = 0; i < channels.length; i += 1000) store.applySync(channels.slice(i, i + 1000).map((c) => pubnub(c, true, 1, 1)));
    now += 10;
    for (let i = 0; i < channels.length; i += 1000) store.applySync(channels.slice(i, i + 1000).map((c) => pubnub(c, false, 2, 0)));
    expect([store.channelCount, store.size, store.queuedCount]).toEqual([100_000, 100_000, 100_000]);
    expect(await store.reportedOccupancy('dead-7')).toEqual({ occupancy: 0, timestamp: 2 });
    now += 50;
    store.expire();
    expect([store.channelCount, store.size, store.queuedCount]).toEqual([0, 0, 0]);
    expect(await store.channels()).toEqual([]);
  });

  it('keeps a watermark of an empty channel for the horizon, then frees the channel', async () => {
    let now = 0;
    const store = new MemoryStore({ tombstoneHorizonMs: 10, now: () => now });
    await store.apply([], { watermarks: [{ channel: 'room', time: 100 }] });
    expect(await store.watermark('room')).toBe(100);
    expect(await store.apply([ev('a', 50, true)])).toEqual([]);
    now = 5;
    await store.apply([], { watermarks: [{ channel: 'room', time: 90 }] }); // rewritten (not lowered): held 10 more ms
    expect(await store.watermark('room')).toBe(100);
    now = 10;
    store.expire();
    expect(store.channelCount).toBe(1);
    now = 15;
    store.expire();
    expect([store.channelCount, store.queuedCount]).toEqual([0, 0]);
    expect(await store.watermark('room')).toBeUndefined();
  });

  it('grants its lease to one holder at a time, with increasing tokens, and records completion', async () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    const first = await store.lease.acquire('job', 100);
    expect(first?.token).toBe(1);
    expect(await store.lease.acquire('job', 100)).toBeUndefined();
    expect(await store.lease.status('job')).toEqual({ held: true });
    now = 50;
    expect(await first?.renew()).toBe(true);
    now = 149;
    expect(await store.lease.acquire('job', 100)).toBeUndefined();
    now = 150;
    const second = await store.lease.acquire('job', 100);
    expect(second?.token).toBe(2);
    expect(await first?.renew()).toBe(false);
    await first?.release(true); // no longer the holder's: no effect
    expect(await store.lease.status('job')).toEqual({ held: true });
    now = 160;
    await second?.release(true);
    expect(await store.lease.status('job')).toEqual({ held: false, doneAt: 160, doneToken: 2 });
    expect((await store.lease.acquire('job', 100))?.token).toBe(3);
    await expect(store.lease.acquire('', 100)).rejects.toThrow(TypeError);
  });
});
