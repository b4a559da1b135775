import assert from 'node:assert/strict';
import type { Member, PresenceStore, ProviderName } from '@presence-webhooks/core';
import type { PresenceEvent } from '@presence-webhooks/core/store';
import { isMemberChange, repairEvents, visibleChanges } from '@presence-webhooks/core/store';
import { SUITE_CHANNELS, simpleEvent } from './events.js';
import type { StoreConformanceCase, StoreConformanceOptions, StoreFactory } from './types.js';
import { withoutCursors } from './with-store.js';

const DEFAULT_HORIZON_MS = 10 * 60 * 1000;
/** The suite's events are stamped from this time on (tick t at BASE_TS + 10 t). */
const BASE_TS = 1_700_000_000_000;

let namespaces = 0;
function freshNamespace(): string {
  return `resync${process.pid.toString(36)}${Date.now().toString(36)}n${(namespaces++).toString(36)}`;
}

/** A snapshot of the suite's first channel taken at logical tick `tick`, listing `events`. */
function snapshotAt(tick: number, events: PresenceEvent[], provider: ProviderName = 'ably') {
  return { provider, channel: SUITE_CHANNELS[0] as string, time: BASE_TS + tick * 10, events, complete: true, problems: [] };
}

/** The suite's event with member.timestamp equal to its order time, as the providers' events have it (repairEvents reads it). */
function ev(member: number, tick: number, kind: 'enter' | 'update' | 'leave', options: { data?: unknown } = {}): PresenceEvent {
  return simpleEvent(member, tick, kind, { ...options, uid: tick * 10 });
}

/** A PubNub snapshot member as Here Now lists it: present as of the snapshot time, rank 0, no serial. */
function hereNowEvent(channel: string, uuid: string, data: unknown, time: number): PresenceEvent {
  return {
    provider: 'pubnub',
    channel,
    memberKey: uuid,
    present: true,
    member: { clientId: uuid, timestamp: time, data },
    order: { ts: time, serial: -1, index: -1, rank: 0, id: `here-now:${time}:${uuid}` },
  };
}

function names(members: readonly Member[]): string[] {
  return members.map((m) => `${m.clientId}@${m.connectionId ?? ''}`);
}

/**
 * Resync through the store: a provider's snapshot merges through the same `apply` as webhook
 * events (see `repairEvents` in core), so every store must give it the same meaning: idempotent,
 * and never older than the deliveries it holds.
 */
export function resyncConformanceCases(factory: StoreFactory, options: StoreConformanceOptions = {}): StoreConformanceCase[] {
  const horizon = options.horizonMs ?? DEFAULT_HORIZON_MS;
  const channel = SUITE_CHANNELS[0] as string;

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
      name: 'resync: a snapshot merges through apply: listed members join, older unlisted ones leave with reason resync, and again changes nothing',
      run: () =>
        withStore(async (store) => {
          await store.apply([ev(0, 1, 'enter', { data: 'a' }), ev(1, 2, 'enter'), ev(4, 2, 'enter')]);
          // Ably lists connA (as stored) and bob (whose enter was lost); connB left unseen.
          const snapshot = snapshotAt(6, [ev(0, 1, 'enter', { data: 'a' }), ev(2, 3, 'enter', { data: 'bob' })]);
          const repair = repairEvents(snapshot, await store.members(channel));
          const changes = visibleChanges((await store.apply(repair)).filter(isMemberChange));
          assert.deepStrictEqual(
            changes.map((c) => [c.type, c.member.clientId, c.type === 'leave' ? c.reason : undefined]),
            [
              ['join', 'bob', undefined],
              ['leave', 'alice', 'resync'],
            ],
          );
          assert.deepStrictEqual(names(await store.members(channel)), ['alice@connA', 'bob@conn\u00e9', 'uuid-7@']);
          assert.equal(await store.occupancy(channel), 3);
          assert.deepStrictEqual(await store.apply(repair), []);
          assert.deepStrictEqual(await store.apply(repairEvents(snapshot, await store.members(channel))), []);
        }),
    },
    {
      name: 'resync: events newer than the snapshot win, applied before or after it; a resync leave loses a tie',
      run: () =>
        withStore(async (store) => {
          await store.apply([ev(0, 1, 'enter'), ev(1, 1, 'enter'), ev(2, 1, 'enter')]);
          const stored = await store.members(channel);
          // Taken at tick 5, listing connA and bob as of tick 1; connB is not listed.
          const snapshot = snapshotAt(5, [ev(0, 1, 'enter'), ev(2, 1, 'enter')]);
          // In flight meanwhile: connA updates (tick 7), bob leaves (tick 8), connB re-enters at exactly the snapshot time.
          const update = ev(0, 7, 'update', { data: 'newer' });
          const bobLeaves = ev(2, 8, 'leave');
          const tieEnter: PresenceEvent = { ...ev(1, 9, 'enter'), order: { ts: BASE_TS + 50, serial: -1, index: -1, rank: 0, id: 'tie' } };
          await store.apply([update]);
          await store.apply(repairEvents(snapshot, stored)); // computed from the older read
          await store.apply([bobLeaves, tieEnter]);
          assert.deepStrictEqual(names(await store.members(channel)), ['alice@connA', 'alice@connB']);
          const members = await store.members(channel);
          assert.equal(members[0]?.data, 'newer');
        }),
    },
    {
      name: 'resync: a resync leave is a tombstone: an older delivery cannot bring the member back, a newer one can',
      run: () =>
        withStore(async (store) => {
          await store.apply([ev(1, 2, 'enter')]);
          await store.apply(repairEvents(snapshotAt(5, []), await store.members(channel)));
          assert.deepStrictEqual(await store.members(channel), []);
          assert.deepStrictEqual(await store.apply([ev(1, 3, 'update', { data: 'late retry' })]), []);
          assert.deepStrictEqual(await store.members(channel), []);
          const back = ev(1, 6, 'enter', { data: 'back' });
          assert.deepStrictEqual(
            (await store.apply([back])).map((c) => c.type),
            ['join'],
          );
          assert.deepStrictEqual(await store.members(channel), [back.member]);
        }),
    },
    {
      name: 'resync: a PubNub snapshot restating a member moves its order on (an older delayed leave is stale) with no visible change',
      run: () =>
        withStore(async (store) => {
          const time = (tick: number) => BASE_TS + tick * 10;
          const join = hereNowEvent(channel, 'uuid-7', { mood: 'ok' }, time(1));
          await store.apply([join]);
          const snapshot = snapshotAt(9, [hereNowEvent(channel, 'uuid-7', { mood: 'ok' }, time(9))], 'pubnub');
          const changes = await store.apply(repairEvents(snapshot, await store.members(channel)));
          assert.deepStrictEqual(visibleChanges(changes), []);
          const delayedLeave: PresenceEvent = {
            ...join,
            present: false,
            reason: 'leave',
            member: { clientId: 'uuid-7', timestamp: time(5) },
            order: { ts: time(5), serial: -1, index: -1, rank: 2, id: 'late' },
          };
          assert.deepStrictEqual(await store.apply([delayedLeave]), []);
          assert.deepStrictEqual(names(await store.members(channel)), ['uuid-7@']);
        }),
    },
  ];
}
