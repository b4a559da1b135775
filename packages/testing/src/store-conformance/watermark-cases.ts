import assert from 'node:assert/strict';
import type { Change, Member, PresenceEvent, PresenceStore } from '@presence-webhooks/core/store';
import { isMemberChange } from '@presence-webhooks/core/store';
import { SUITE_CHANNELS, simpleEvent } from './events.js';
import type { StoreConformanceCase, StoreConformanceOptions, StoreFactory } from './types.js';
import { withoutCursors } from './with-store.js';

const DEFAULT_HORIZON_MS = 10 * 60 * 1000;
/** The suite's events are stamped from this time on (tick t at BASE_TS + 10 t, variant 0). */
const BASE_TS = 1_700_000_000_000;
const at = (tick: number) => BASE_TS + tick * 10;

let namespaces = 0;
function freshNamespace(): string {
  return `wm${process.pid.toString(36)}${Date.now().toString(36)}n${(namespaces++).toString(36)}`;
}

const channel = SUITE_CHANNELS[0] as string;
const other = SUITE_CHANNELS[1] as string;

function ev(member: number, tick: number, kind: 'enter' | 'update' | 'leave', channelIndex = 0): PresenceEvent {
  return simpleEvent(member, tick, kind, { channel: channelIndex, uid: tick * 10 + member });
}
function names(members: readonly Member[]): string[] {
  return members.map((m) => `${m.clientId}@${m.connectionId ?? ''}`);
}
function kinds(changes: readonly Change[]): string[] {
  return changes.filter(isMemberChange).map((c) => `${c.type} ${c.member.clientId}@${c.member.connectionId ?? ''}`);
}
async function watermarkOf(store: PresenceStore, name: string): Promise<number | undefined | 'unread'> {
  return store.watermark === undefined ? 'unread' : store.watermark(name);
}

/**
 * The per-channel watermark (`ApplyOptions.watermarks`): after a complete snapshot of a channel
 * taken at T, an event older than T for a member the store holds no state for is stale.
 */
export function watermarkConformanceCases(factory: StoreFactory, options: StoreConformanceOptions = {}): StoreConformanceCase[] {
  const horizon = options.horizonMs ?? DEFAULT_HORIZON_MS;
  async function withStore(fn: (store: PresenceStore) => Promise<void>): Promise<void> {
    const store = withoutCursors(await factory({ tombstoneHorizonMs: horizon, namespace: freshNamespace() }));
    try {
      await fn(store);
    } finally {
      await store.close?.();
    }
  }

  return [
    {
      name: 'watermark: after a snapshot at T an older event for an unlisted member adds nobody; one at or after T still joins; other channels are not affected',
      run: () =>
        withStore(async (store) => {
          // The snapshot at tick 5 lists connA, whose enter is older than the snapshot: its own events are never rejected.
          assert.deepStrictEqual(kinds(await store.apply([ev(0, 1, 'enter')], { watermarks: [{ channel, time: at(5) }] })), [
            'join alice@connA',
          ]);
          const unseen = await watermarkOf(store, channel);
          if (unseen !== 'unread') assert.equal(unseen, at(5));
          // connB (never seen, not listed) entered at tick 3 according to a late delivery: stale.
          assert.deepStrictEqual(await store.apply([ev(1, 3, 'enter')]), []);
          assert.deepStrictEqual(await store.apply([ev(1, 4, 'leave')]), []);
          assert.deepStrictEqual(names(await store.members(channel)), ['alice@connA']);
          assert.equal(await store.occupancy(channel), 1);
          // At the snapshot time or later: a real join.
          assert.deepStrictEqual(kinds(await store.apply([ev(2, 5, 'enter'), ev(1, 6, 'enter')])), [
            'join bob@conn\u00e9',
            'join alice@connB',
          ]);
          // Another channel has no watermark: its old events merge as ever.
          assert.deepStrictEqual(kinds(await store.apply([ev(1, 3, 'enter', 1)])), ['join alice@connB']);
          const none = await watermarkOf(store, other);
          if (none !== 'unread') assert.equal(none, undefined);
        }),
    },
    {
      name: 'watermark: a member the store holds a record or a tombstone for still merges normally',
      run: () =>
        withStore(async (store) => {
          // connB entered and left before the snapshot (a tombstone); the snapshot at tick 5 lists connA.
          await store.apply([ev(1, 1, 'enter'), ev(1, 2, 'leave')]);
          await store.apply([ev(0, 1, 'enter')], { watermarks: [{ channel, time: at(5) }] });
          // Older than the watermark, but held: merged as today.
          assert.deepStrictEqual(kinds(await store.apply([ev(0, 3, 'update')])), ['update alice@connA']);
          assert.deepStrictEqual(kinds(await store.apply([ev(1, 3, 'enter')])), ['join alice@connB']);
          assert.deepStrictEqual(await store.apply([ev(0, 2, 'update')]), []); // stale against its record
          assert.deepStrictEqual(kinds(await store.apply([ev(0, 4, 'leave')])), ['leave alice@connA']);
          assert.deepStrictEqual(names(await store.members(channel)), ['alice@connB']);
        }),
    },
    {
      name: 'watermark: it only rises; an older snapshot does not lower it and its unlisted members stay stale; a newer one lists them',
      run: () =>
        withStore(async (store) => {
          await store.apply([], {
            watermarks: [
              { channel, time: at(5) },
              { channel, time: at(2) },
            ],
          });
          await store.apply([], { watermarks: [{ channel, time: at(3) }] });
          const held = await watermarkOf(store, channel);
          if (held !== 'unread') assert.equal(held, at(5));
          assert.deepStrictEqual(await store.apply([ev(1, 4, 'enter')]), []);
          // A snapshot older than the watermark: checked against the held one.
          assert.deepStrictEqual(await store.apply([ev(1, 2, 'enter')], { watermarks: [{ channel, time: at(4) }] }), []);
          // A newer snapshot listing a member whose enter is old: the newer truth, it joins.
          assert.deepStrictEqual(kinds(await store.apply([ev(1, 2, 'enter')], { watermarks: [{ channel, time: at(8) }] })), [
            'join alice@connB',
          ]);
          const raised = await watermarkOf(store, channel);
          if (raised !== 'unread') assert.equal(raised, at(8));
          assert.deepStrictEqual(await store.apply([ev(2, 7, 'enter')]), []);
        }),
    },
    {
      name: 'watermark: a repeated snapshot batch changes nothing the second time',
      run: () =>
        withStore(async (store) => {
          const batch = [ev(0, 1, 'enter'), ev(4, 2, 'enter'), ev(1, 1, 'enter', 1)];
          const marks = {
            watermarks: [
              { channel, time: at(6) },
              { channel: other, time: at(6) },
            ],
          };
          assert.equal((await store.apply(batch, marks)).length, 3);
          const before = [await store.members(channel), await store.members(other), await watermarkOf(store, channel)];
          assert.deepStrictEqual(await store.apply(batch, marks), []);
          assert.deepStrictEqual([await store.members(channel), await store.members(other), await watermarkOf(store, channel)], before);
          assert.deepStrictEqual(await store.apply([ev(2, 3, 'enter'), ev(2, 3, 'enter', 1)]), []);
        }),
    },
    {
      name: 'watermark: bad watermarks (and a bad staleBefore) are refused with a TypeError and change nothing',
      run: () =>
        withStore(async (store) => {
          await assert.rejects(store.apply([ev(0, 1, 'enter')], { watermarks: [{ channel, time: Number.NaN }] }), TypeError);
          await assert.rejects(store.apply([ev(0, 1, 'enter')], { watermarks: [{ channel: 7 as unknown as string, time: 1 }] }), TypeError);
          await assert.rejects(store.apply([ev(0, 1, 'enter')], { staleBefore: Number.POSITIVE_INFINITY }), TypeError);
          await assert.rejects(store.apply([ev(0, 1, 'enter')], { staleBefore: '5' as unknown as number }), TypeError);
          assert.deepStrictEqual(await store.members(channel), []);
          const none = await watermarkOf(store, channel);
          if (none !== 'unread') assert.equal(none, undefined);
        }),
    },
  ];
}
