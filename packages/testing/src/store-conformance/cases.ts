import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Change, PresenceChange, PresenceEvent, PresenceStore } from '@presence-webhooks/core/store';
import fc from 'fast-check';
import { SUITE_CHANNELS, dataArbitrary, eventsArbitrary, simpleEvent } from './events.js';
import { checkChanges, readSnapshot, referenceSnapshot } from './snapshot.js';
import type { StoreConformanceCase, StoreConformanceOptions, StoreFactory } from './types.js';
import { resyncConformanceCases } from './resync-cases.js';
import { leaseConformanceCases } from './lease-cases.js';
import { watermarkConformanceCases } from './watermark-cases.js';
import { freshNamespace, withoutCursors } from './with-store.js';
import { userConformanceCases } from './user-cases.js';
import { feedConformanceCases } from './feed-cases.js';

const DEFAULT_HORIZON_MS = 10 * 60 * 1000;

function join(e: PresenceEvent): PresenceChange {
  return { type: 'join', provider: e.provider, channel: e.channel, member: e.member };
}
function update(e: PresenceEvent, previous: PresenceEvent): PresenceChange {
  return { type: 'update', provider: e.provider, channel: e.channel, member: e.member, previous: previous.member };
}
function leave(e: PresenceEvent): PresenceChange {
  return { type: 'leave', provider: e.provider, channel: e.channel, member: e.member, reason: e.reason ?? 'leave' };
}

/** Split a list into consecutive batches: a batch ends after each index whose cut flag is set. */
function cutInto<T>(list: readonly T[], cuts: readonly boolean[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  list.forEach((item, i) => {
    current.push(item);
    if (cuts[i] === true) {
      batches.push(current);
      current = [];
    }
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * The store conformance suite: every PresenceStore must pass these cases to be a drop-in for
 * MemoryStore (same merge, same reads). Run each case with your test runner:
 *
 *   for (const c of storeConformanceCases((o) => new MyStore(o))) it(c.name, c.run);
 */
export function storeConformanceCases(factory: StoreFactory, options: StoreConformanceOptions = {}): StoreConformanceCase[] {
  const numRuns = options.numRuns ?? 40;
  const horizon = options.horizonMs ?? DEFAULT_HORIZON_MS;
  const shortHorizon = options.shortHorizonMs ?? 300;
  const fcParams = { numRuns, ...(options.seed === undefined ? {} : { seed: options.seed }) };

  async function withStore<T>(fn: (store: PresenceStore) => Promise<T>, tombstoneHorizonMs = horizon): Promise<T> {
    const store = withoutCursors(await factory({ tombstoneHorizonMs, namespace: freshNamespace() }));
    try {
      return await fn(store);
    } finally {
      await store.close?.();
    }
  }

  const cases: StoreConformanceCase[] = [
    {
      name: 'apply answers the effective changes (join, update with previous, leave with reason) in input order',
      run: () =>
        withStore(async (store) => {
          const a1 = simpleEvent(0, 1, 'enter', { data: { status: 'online' } });
          const b1 = simpleEvent(1, 1, 'enter');
          const a2 = simpleEvent(0, 2, 'update', { data: 'away' });
          const b3 = simpleEvent(1, 3, 'leave');
          const c1 = simpleEvent(2, 1, 'enter', { channel: 1, data: [1, 'two', null] });
          const p1 = simpleEvent(4, 1, 'enter', { channel: 2, data: { mood: 'ok' } });
          const changes = await store.apply([a1, b1, a2, b3, c1, p1]);
          assert.deepStrictEqual(changes, [join(a1), join(b1), update(a2, a1), leave(b3), join(c1), join(p1)]);
          // The event's own member object (not a copy): a receiver finds each change's delivery by it in a batch.
          [a1, b1, a2, b3, c1, p1].forEach((event, i) =>
            assert.ok((changes[i] as { member?: unknown }).member === event.member, `change ${i}: the event's own member object`),
          );
          const s3 = simpleEvent(2, 3, 'leave', { channel: 1, synthetic: true });
          assert.deepStrictEqual(await store.apply([s3]), [leave(s3)]);
          assert.equal(s3.reason, 'synthetic');
        }),
    },
    {
      name: 'reads: members sorted by clientId then connectionId, channels() lists channels with someone present, occupancy counts them',
      run: () =>
        withStore(async (store) => {
          const [ch0, ch1, ch2] = SUITE_CHANNELS as [string, string, string];
          assert.deepStrictEqual(await store.members(ch0), []);
          assert.deepStrictEqual(await store.channels(), []);
          assert.equal(await store.occupancy(ch0), 0);
          assert.equal(await store.reportedOccupancy(ch0), undefined);
          const events = [
            simpleEvent(3, 1, 'enter'),
            simpleEvent(1, 1, 'enter'),
            simpleEvent(2, 1, 'enter'),
            simpleEvent(0, 1, 'enter'),
            simpleEvent(4, 1, 'enter'),
          ];
          await store.apply(events);
          const sorted = [events[3], events[1], events[2], events[4], events[0]].map((e) => (e as PresenceEvent).member);
          assert.deepStrictEqual(await store.members(ch0), sorted);
          assert.equal(await store.occupancy(ch0), 5);
          // ch1: someone came and went; ch2: only a leave (a tombstone). Neither is listed.
          await store.apply([
            simpleEvent(0, 1, 'enter', { channel: 1 }),
            simpleEvent(0, 2, 'leave', { channel: 1 }),
            simpleEvent(1, 4, 'leave', { channel: 2 }),
          ]);
          assert.deepStrictEqual(await store.channels(), [ch0]);
          assert.equal(await store.occupancy(ch1), 0);
          assert.equal(await store.occupancy(ch2), 0);
          assert.deepStrictEqual(await store.members(ch1), []);
          await store.apply([simpleEvent(1, 1, 'enter', { channel: 2 }), simpleEvent(1, 5, 'enter', { channel: 1 })]);
          assert.deepStrictEqual(await store.channels(), [ch0, ch1].sort());
          assert.equal(await store.occupancy(ch1), 1);
        }),
    },
    {
      name: 'reported occupancy: the newest by timestamp wins, whatever the arrival order, stale presence events included',
      run: () =>
        withStore(async (store) => {
          const channel = SUITE_CHANNELS[0] as string;
          const withReport = (e: PresenceEvent, occupancy: number, timestamp: number): PresenceEvent => ({
            ...e,
            reported: { occupancy, timestamp },
          });
          await store.apply([withReport(simpleEvent(4, 5, 'enter'), 7, 3000)]);
          await store.apply([withReport(simpleEvent(4, 2, 'enter'), 3, 1000)]);
          assert.deepStrictEqual(await store.reportedOccupancy(channel), { occupancy: 7, timestamp: 3000 });
          // A stale presence event still carries the provider's newer figure.
          await store.apply([withReport(simpleEvent(4, 1, 'enter'), 2, 4000), withReport(simpleEvent(4, 0, 'enter'), 9, 2000)]);
          assert.deepStrictEqual(await store.reportedOccupancy(channel), { occupancy: 2, timestamp: 4000 });
          assert.equal(await store.reportedOccupancy(SUITE_CHANNELS[1] as string), undefined);
        }),
    },
    {
      name: 'stale events change nothing: an older update, an older synthesized leave, an enter older than the leave',
      run: () =>
        withStore(async (store) => {
          const channel = SUITE_CHANNELS[0] as string;
          const enter5 = simpleEvent(0, 5, 'enter', { data: 'five' });
          await store.apply([enter5]);
          assert.deepStrictEqual(await store.apply([simpleEvent(0, 3, 'update', { data: 'three' })]), []);
          assert.deepStrictEqual(await store.apply([simpleEvent(0, 4, 'leave', { synthetic: true })]), []);
          assert.deepStrictEqual(await store.members(channel), [enter5.member]);
          const leave7 = simpleEvent(0, 7, 'leave');
          assert.deepStrictEqual(await store.apply([leave7]), [leave(leave7)]);
          assert.deepStrictEqual(await store.apply([simpleEvent(0, 6, 'enter', { data: 'six' })]), []);
          assert.deepStrictEqual(await store.members(channel), []);
          // Equal newness, leave ranks higher: the enter with the same serial does not win.
          assert.deepStrictEqual(await store.apply([simpleEvent(0, 7, 'enter', { data: 'tie' })]), []);
          const enter8 = simpleEvent(0, 8, 'enter');
          assert.deepStrictEqual(await store.apply([enter8]), [join(enter8)]);
        }),
    },
    {
      name: 'ties: equal newness is broken by rank, then by the larger id (JavaScript string order, non-ASCII included), in any order',
      run: async () => {
        const channel = SUITE_CHANNELS[0] as string;
        const tied = (id: string, rank: number, uid: number): PresenceEvent => {
          const e = simpleEvent(3, 4, rank === 2 ? 'leave' : 'enter', { synthetic: true, uid, data: id });
          return { ...e, order: { ...e.order, id, rank } };
        };
        // By UTF-16 code unit U+FF61 sorts after U+1F600 (a surrogate pair); by UTF-8 byte it sorts before.
        const pairs: [PresenceEvent, PresenceEvent][] = [
          [tied('a-small', 0, 1), tied('b-large', 0, 2)],
          [tied('\u{1F600}', 0, 3), tied('\uFF61', 0, 4)],
          [tied('x\u00FF', 0, 7), tied('x\u0100', 0, 8)],
          [tied('zz-present', 1, 5), tied('aa-leave', 2, 6)],
        ];
        for (const [loser, winner] of pairs) {
          for (const order of [
            [loser, winner],
            [winner, loser],
          ]) {
            await withStore(async (store) => {
              for (const e of order) await store.apply([e]);
              assert.deepStrictEqual(
                await store.members(channel),
                winner.present ? [winner.member] : [],
                `${winner.order.id} must win over ${loser.order.id}`,
              );
            });
          }
        }
      },
    },
    {
      name: 'a leave that arrives before its enter leaves a tombstone: the older enter cannot resurrect the member',
      run: () =>
        withStore(async (store) => {
          const channel = SUITE_CHANNELS[1] as string;
          assert.deepStrictEqual(await store.apply([simpleEvent(1, 5, 'leave', { channel: 1 })]), []);
          assert.deepStrictEqual(
            await store.apply([simpleEvent(1, 3, 'enter', { channel: 1 }), simpleEvent(1, 4, 'update', { channel: 1 })]),
            [],
          );
          assert.equal(await store.occupancy(channel), 0);
          assert.deepStrictEqual(await store.channels(), []);
          const enter6 = simpleEvent(1, 6, 'enter', { channel: 1 });
          assert.deepStrictEqual(await store.apply([enter6]), [join(enter6)]);
        }),
    },
    {
      name: 'tombstones expire after the horizon: then an older event is no longer recognised as stale; present members stay',
      run: () =>
        withStore(async (store) => {
          const channel = SUITE_CHANNELS[0] as string;
          const stays = simpleEvent(2, 1, 'enter', { data: 'stays' });
          const back = simpleEvent(1, 6, 'enter');
          await store.apply([stays, simpleEvent(0, 5, 'leave'), simpleEvent(1, 5, 'leave'), back]);
          await sleep(shortHorizon * 2 + 200);
          // The tombstone of member 0 is gone: its older enter now counts.
          const old = simpleEvent(0, 3, 'enter', { data: 'late' });
          assert.deepStrictEqual(await store.apply([old]), [join(old)]);
          // Member 1's tombstone was replaced by a newer present state, which does not expire.
          assert.deepStrictEqual(await store.apply([simpleEvent(1, 4, 'enter')]), []);
          assert.deepStrictEqual(await store.members(channel), [old.member, back.member, stays.member]);
          assert.equal(await store.occupancy(channel), 3);
        }, shortHorizon),
    },
    {
      name: "expired tombstones of a batch's own members count as absent, however many the channel holds",
      run: () =>
        withStore(async (store) => {
          // More expired tombstones than a store may collect in one call: each of the batch's own must still be gone.
          const bulk = (i: number, tick: number, kind: 'enter' | 'leave'): PresenceEvent => {
            const e = simpleEvent(0, tick, kind, { uid: tick * 10_000 + i });
            return {
              ...e,
              memberKey: `${e.memberKey}#${i}`,
              member: { ...e.member, clientId: `bulk-${i}` },
              order: { ...e.order, id: `bulk${i}:${tick}:0` },
            };
          };
          const ids = Array.from({ length: 600 }, (_, i) => i);
          // One member stays present, so the channel itself never expires.
          await store.apply([simpleEvent(1, 9, 'enter'), ...ids.map((i) => bulk(i, 5, 'leave'))]);
          await sleep(shortHorizon * 2 + 200);
          const late = ids.map((i) => bulk(i, 3, 'enter'));
          assert.deepStrictEqual(await store.apply(late), late.map(join));
          assert.equal(await store.occupancy(SUITE_CHANNELS[0] as string), 601);
        }, shortHorizon),
    },
    {
      name: "member data round-trips: JSON values and bytes come back equal, in members() and in an update's previous",
      run: () =>
        fc.assert(
          fc.asyncProperty(dataArbitrary(), dataArbitrary(), (first, second) =>
            withStore(async (store) => {
              const channel = SUITE_CHANNELS[2] as string;
              const a = simpleEvent(3, 1, 'enter', { channel: 2, data: first });
              const b = simpleEvent(3, 2, 'update', { channel: 2, data: second });
              assert.deepStrictEqual(await store.apply([a]), [join(a)]);
              assert.deepStrictEqual(await store.members(channel), [a.member]);
              assert.deepStrictEqual(await store.apply([b]), [update(b, a)]);
              assert.deepStrictEqual(await store.members(channel), [b.member]);
            }),
          ),
          fcParams,
        ),
    },
    {
      name: 'idempotent: applying a batch again (the same or a copy) answers no change and changes nothing',
      run: () =>
        fc.assert(
          fc.asyncProperty(eventsArbitrary(), (events) =>
            withStore(async (store) => {
              await store.apply(events);
              const before = await readSnapshot(store);
              assert.deepStrictEqual(await store.apply(events), []);
              assert.deepStrictEqual(await store.apply(structuredClone(events)), []);
              assert.deepStrictEqual(await readSnapshot(store), before);
            }),
          ),
          fcParams,
        ),
    },
    {
      name: 'commutative: any order and batching, with duplicates, gives the same set as one in-order batch; changes add up',
      run: () =>
        fc.assert(
          fc.asyncProperty(
            eventsArbitrary().chain((events) =>
              fc.record({
                order: fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
                cuts: fc.array(fc.boolean(), { minLength: events.length, maxLength: events.length }),
                again: fc.array(fc.boolean(), { minLength: events.length, maxLength: events.length }),
              }),
            ),
            ({ order, cuts, again }) =>
              withStore(async (store) => {
                const changes: Change[] = [];
                const batches = cutInto(order, cuts);
                for (const [i, batch] of batches.entries()) {
                  changes.push(...(await store.apply(batch)));
                  if (again[i] === true) assert.deepStrictEqual(await store.apply(batch), []);
                }
                const snapshot = await readSnapshot(store);
                assert.deepStrictEqual(snapshot, await referenceSnapshot(order));
                const problem = checkChanges(changes, snapshot, true);
                assert.equal(problem, undefined, problem);
              }),
          ),
          fcParams,
        ),
    },
    {
      name: 'concurrent: many overlapping batches applied at once through several handles on one state converge, each change emitted once',
      run: () =>
        fc.assert(
          fc.asyncProperty(
            eventsArbitrary(60).chain((events) =>
              fc.record({
                events: fc.constant(events),
                batchCount: fc.integer({ min: 2, max: 8 }),
                placement: fc.array(fc.array(fc.nat(7), { minLength: 1, maxLength: 3 }), {
                  minLength: events.length,
                  maxLength: events.length,
                }),
                seed: fc.nat(),
              }),
            ),
            async ({ events, batchCount, placement, seed }) => {
              const namespace = freshNamespace();
              const handles = await Promise.all(
                [0, 1, 2].map(async () => withoutCursors(await factory({ tombstoneHorizonMs: horizon, namespace }))),
              );
              try {
                const batches: PresenceEvent[][] = Array.from({ length: batchCount }, () => []);
                events.forEach((event, i) => {
                  for (const b of new Set(placement[i])) batches[b % batchCount]?.push(event);
                });
                const results = await Promise.all(
                  batches.map((batch, i) => (handles[(i + seed) % handles.length] as PresenceStore).apply(batch)),
                );
                const snapshot = await readSnapshot(handles[seed % handles.length] as PresenceStore);
                assert.deepStrictEqual(snapshot, await referenceSnapshot(events));
                const problem = checkChanges(results.flat(), snapshot, false);
                assert.equal(problem, undefined, problem);
              } finally {
                for (const handle of handles) await handle.close?.();
              }
            },
          ),
          { ...fcParams, numRuns: Math.max(1, Math.ceil(numRuns / 2)) },
        ),
    },
  ];
  return [
    ...cases,
    ...resyncConformanceCases(factory, options),
    ...watermarkConformanceCases(factory, options),
    ...leaseConformanceCases(factory, options),
    ...(options.skip?.includes('users') === true ? [] : userConformanceCases(factory, options)),
    ...(options.skip?.includes('feed') === true ? [] : feedConformanceCases(factory, options)),
  ];
}
