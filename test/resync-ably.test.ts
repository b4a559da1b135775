/**
 * Drift and resync with Ably: webhooks over real HTTP through Express, some deliveries lost for
 * good, and Ably's REST presence API served on loopback from the simulator's truth (Basic auth,
 * Link pagination). The receiver must notice, repair, and tell the application.
 */
import type { ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver, MemoryStore, ResyncError } from '@presence-webhooks/core';
import type { AblyItem, RawAblyPresence } from '@presence-webhooks/testing/builders';
import {
  ABLY_ACTION,
  ablyBatchRequest,
  ablyOccupancyItem,
  ablyPresenceItem,
  generateAblyHistory,
  seededRandom,
} from '@presence-webhooks/testing/builders';
import { ablyDeliveries } from '@presence-webhooks/testing/simulator';
import { describe, expect, it } from 'vitest';
import type { FakeAbly } from './helpers/fake-ably-rest.js';
import { ablyPresenceSets, startFakeAbly } from './helpers/fake-ably-rest.js';
import type { Rig } from './helpers/resync-harness.js';
import {
  cleanupAfterEach,
  driftFor,
  driftingChannels,
  foldedSet,
  foldEvents,
  memberKeys,
  nextEvent,
  record,
  startRig,
  storedSet,
  unrepairedStore,
} from './helpers/resync-harness.js';
import { RECENT_MS } from './helpers/recent.js';

const KEY = 'appId.keyId:resync-secret';
const CHANNELS = ['room-1', 'room-2', 'room-3', 'room/4 é'];

const cleanups = cleanupAfterEach();

interface Setup extends Rig<FakeAbly> {
  postItems: (items: readonly AblyItem[]) => Promise<void>;
}

async function setup(
  sets: Map<string, RawAblyPresence[]>,
  resync: ReceiverOptions['resync'],
  options: Partial<ReceiverOptions> = {},
): Promise<Setup> {
  const fake = await startFakeAbly(KEY, sets);
  // These tests look at one channel at a time: no start-up reconcile (test/reconcile-receiver.test.ts has those).
  const rig = await startRig(
    fake,
    {
      ably: { keys: [KEY], rest: { baseUrl: fake.url } },
      resync: resync === undefined ? undefined : { onStart: false, ...resync },
      ...options,
    },
    cleanups,
  );
  return { ...rig, postItems: (items) => rig.post(ablyBatchRequest(items, { key: KEY })) };
}

/** A history, its deliveries with a random share lost for good, and the set a receiver holds without repair. */
async function lossyHistory(seed: number) {
  const history = generateAblyHistory({ seed, channels: CHANNELS, clients: 5, steps: 90 });
  const random = seededRandom(seed * 7 + 1);
  const delivered = ablyDeliveries(history.entries, random, { maxItems: 3, maxPerItem: 3, duplicateRate: 0.1 }).filter(
    () => random() >= 0.3,
  );
  const reference = await unrepairedStore(
    { ably: { keys: [KEY] } },
    delivered.map((items) => ablyBatchRequest(items, { key: KEY })),
  );
  return { history, delivered, reference };
}

describe('Ably: drift detected from occupancy events, repaired from the REST presence API', () => {
  for (const seed of [3, 8, 21]) {
    it(`seed ${seed}: the set equals the truth and the repair's joins and leaves are emitted`, async () => {
      const { history, delivered, reference } = await lossyHistory(seed);
      const truthCount = (channel: string) => history.truth.get(channel)?.length ?? 0;
      const drifting = await driftingChannels(reference, history.truth, CHANNELS);

      const { receiver, recorded, fake, postItems: post } = await setup(ablyPresenceSets(history.entries), { onDrift: true, graceMs: 10 });
      for (const items of delivered) await post(items);
      await receiver.idle();
      const drifted = driftFor(receiver, drifting);
      // Ably's occupancy webhook: the provider's own count of present members.
      await post(
        CHANNELS.map((channel) =>
          ablyOccupancyItem(channel, {
            connections: truthCount(channel) + 1,
            presenceMembers: truthCount(channel),
            presenceConnections: truthCount(channel),
          }),
        ),
      );
      await drifted;
      await receiver.idle();

      for (const event of recorded.drift) {
        expect(drifting.has(event.channel)).toBe(true);
        expect(event).toMatchObject({
          provider: 'ably',
          reported: truthCount(event.channel),
          stored: await reference.occupancy(event.channel),
        });
      }
      const folded = foldEvents(recorded);
      for (const channel of CHANNELS) {
        const expected = drifting.has(channel) ? (history.truth.get(channel) ?? []) : await storedSet(reference, channel);
        expect(await storedSet(receiver.store, channel), channel).toEqual(expected);
        // An application that only listens to the events holds the same set.
        expect(foldedSet(folded, channel), channel).toEqual(expected);
      }
      // The repair's leaves say so, and are exactly the members the store held wrongly.
      for (const channel of drifting) {
        const truthKeys = memberKeys(history.truth.get(channel) ?? []);
        const wrong = [...memberKeys(await reference.members(channel))].filter((k) => !truthKeys.has(k)).sort();
        const resyncLeaves = recorded.presence.filter(
          (e) => e.name === 'leave' && e.payload.channel === channel && 'reason' in e.payload && e.payload.reason === 'resync',
        );
        expect([...memberKeys(resyncLeaves.map((e) => e.payload.member))].sort(), channel).toEqual(wrong);
      }
      expect(recorded.errors).toEqual([]);
      // Basic auth with ably.keys[0] (the fake answers 401 otherwise), limit=1000.
      expect(fake.requests.length).toBeGreaterThan(0);
      for (const request of fake.requests) expect(request.url.searchParams.get('limit')).toBe('1000');
    });
  }
});

describe('Ably: resync on demand', () => {
  it('keeps deliveries that arrive while the snapshot is in flight: the older snapshot does not override them', async () => {
    const history = generateAblyHistory({ seed: 5, channels: ['room-1'], clients: 6, steps: 40 });
    const sets = ablyPresenceSets(history.entries);
    const present = sets.get('room-1') ?? [];
    expect(present.length).toBeGreaterThanOrEqual(3);
    const { receiver, fake, postItems: post } = await setup(sets, undefined);
    // The receiver missed everything but the first half of the history.
    await post([
      ablyPresenceItem(
        'room-1',
        history.entries.slice(0, 20).map((e) => e.message),
      ),
    ]);
    await receiver.idle();

    fake.hold();
    const resync = receiver.resync('room-1', { provider: 'ably' });
    await fake.arrived(1);
    // While the snapshot is held: one listed member leaves, one updates, one new connection enters.
    const now = Date.now() + 1000;
    const [gone, changed] = present as [RawAblyPresence, RawAblyPresence];
    const serialOf = (m: RawAblyPresence) => Number(m.id.split(':')[1]);
    const newcomer: RawAblyPresence = {
      id: 'connNEW:3:0',
      clientId: 'newcomer',
      connectionId: 'connNEW',
      action: ABLY_ACTION.enter,
      timestamp: now,
      data: 'hello',
    };
    const during = [
      {
        ...gone,
        id: `${gone.connectionId}:${serialOf(gone) + 5}:0`,
        action: ABLY_ACTION.leave,
        timestamp: now,
        data: undefined,
        encoding: undefined,
      },
      {
        ...changed,
        id: `${changed.connectionId}:${serialOf(changed) + 5}:0`,
        action: ABLY_ACTION.update,
        timestamp: now,
        data: 'changed while in flight',
        encoding: undefined,
      },
      newcomer,
    ];
    const applied = Promise.all([
      nextEvent(receiver, 'leave', (e) => e.member.connectionId === gone.connectionId && e.reason === 'leave'),
      nextEvent(receiver, 'join', (e) => e.member.connectionId === 'connNEW'),
    ]);
    await post([ablyPresenceItem('room-1', during)]);
    await applied;
    fake.release();
    const result = await resync;
    await receiver.idle();

    const members = await receiver.store.members('room-1');
    const byConnection = new Map(members.map((m) => [m.connectionId, m]));
    expect(byConnection.has(gone.connectionId)).toBe(false);
    expect(byConnection.get(changed.connectionId)?.data).toBe('changed while in flight');
    expect(byConnection.get('connNEW')?.data).toBe('hello');
    // Everything else is as the snapshot says.
    const expected = new Set([...present.map((m) => m.connectionId), 'connNEW']);
    expected.delete(gone.connectionId);
    expect(new Set(members.map((m) => m.connectionId))).toEqual(expected);
    expect(result).toMatchObject({ channel: 'room-1', provider: 'ably', reported: present.length, complete: true });
    // Two members a page: the Link rel="next" pages were followed.
    expect(fake.requests.map((r) => r.url.searchParams.get('start') ?? '0')).toEqual(
      Array.from({ length: Math.ceil(present.length / 2) }, (_, i) => String(i * 2)),
    );
  });

  it('one request per channel within minIntervalMs: a second call gets the running result', async () => {
    const history = generateAblyHistory({ seed: 9, channels: ['room-1'], steps: 30 });
    const { receiver, fake } = await setup(ablyPresenceSets(history.entries), { minIntervalMs: 60_000 });
    const first = receiver.resync('room-1', { provider: 'ably' });
    const second = receiver.resync('room-1', { provider: 'ably' });
    const [a, b] = await Promise.all([first, second]);
    expect(b).toBe(a);
    expect(await receiver.resync('room-1', { provider: 'ably' })).toBe(a);
    const pages = fake.requests.length;
    expect(pages).toBe(Math.max(1, Math.ceil((history.truth.get('room-1')?.length ?? 0) / 2)));
    expect(await storedSet(receiver.store, 'room-1')).toEqual(history.truth.get('room-1') ?? []);
  });

  it('a wrong key: the error names the channel and the status, and reaches onError', async () => {
    const fake = await startFakeAbly('appId.otherKey:other', new Map());
    const receiver = createReceiver({ ably: { keys: [KEY], rest: { baseUrl: fake.url } } });
    const recorded = record(receiver);
    cleanups.push(
      () => fake.close(),
      () => receiver.close(),
    );
    const error = await receiver.resync('room-9', { provider: 'ably' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ResyncError);
    expect(error).toMatchObject({ status: 401, channel: 'room-9', provider: 'ably', code: 'resync_failed' });
    expect((error as Error).message).toContain('Invalid credentials');
    expect(recorded.errors).toEqual([error]);
  });

  it('the periodic check finds a channel whose every leave was lost, and repairs it', async () => {
    const history = generateAblyHistory({ seed: 12, channels: ['room-1', 'room-2'], steps: 60 });
    // Deliver only enters and updates: every leave is lost, so no figure ever disagrees by itself.
    const kept = history.entries.filter((e) => e.message.action !== ABLY_ACTION.leave);
    const {
      receiver,
      recorded,
      postItems: post,
    } = await setup(ablyPresenceSets(history.entries), { onDrift: true, everyMs: 20, minIntervalMs: 0 });
    const leavesMissing = new Set<string>();
    for (const channel of ['room-1', 'room-2']) {
      const entries = kept.filter((e) => e.channel === channel);
      if (entries.length === 0) continue;
      await post([
        ablyPresenceItem(
          channel,
          entries.map((e) => e.message),
        ),
      ]);
      const storedCount = await receiver.store.occupancy(channel);
      if (storedCount !== (history.truth.get(channel)?.length ?? 0)) leavesMissing.add(channel);
    }
    expect(leavesMissing.size).toBeGreaterThan(0);
    await driftFor(receiver, leavesMissing);
    await receiver.idle();
    for (const channel of leavesMissing) expect(await storedSet(receiver.store, channel)).toEqual(history.truth.get(channel) ?? []);
    expect(recorded.presence.some((e) => e.name === 'leave' && 'reason' in e.payload && e.payload.reason === 'resync')).toBe(true);
  });

  it('close() aborts a snapshot in flight, stops the timers, and closes only a store the receiver created', async () => {
    const { receiver, fake } = await setup(new Map(), { everyMs: 10 });
    fake.hold();
    const pending = receiver.resync('room-1', { provider: 'ably' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await fake.arrived(1);
    await receiver.store.apply([
      {
        provider: 'ably',
        channel: 'room-1',
        memberKey: 'c:a',
        present: true,
        member: { clientId: 'a', connectionId: 'c', timestamp: 1 },
        order: { ts: 1, serial: 0, index: 0, rank: 0, id: 'c:0:0' },
      },
    ]);
    await receiver.close();
    expect(await pending).toBeInstanceOf(ResyncError);
    expect(await receiver.store.channels()).toEqual([]); // its own MemoryStore was closed (cleared)
    await expect(receiver.resync('room-1', { provider: 'ably' })).rejects.toThrow(/closed/);

    const store = new MemoryStore();
    const other = createReceiver({ ably: { keys: [KEY], rest: { baseUrl: fake.url } }, store });
    await store.apply([
      {
        provider: 'ably',
        channel: 'room-2',
        memberKey: 'c:a',
        present: true,
        member: { clientId: 'a', connectionId: 'c', timestamp: 1 },
        order: { ts: 1, serial: 0, index: 0, rank: 0, id: 'c:0:0' },
      },
    ]);
    await other.close();
    expect(await store.channels()).toEqual(['room-2']);
  });

  it('the periodic check is the batched whole-app reconcile: one listing and one batch request for every channel, not a request per channel', async () => {
    const sets = new Map<string, RawAblyPresence[]>(
      Array.from({ length: 30 }, (_, i) => [
        `room-${i}`,
        [{ id: `c${i}:0:0`, clientId: `u${i}`, connectionId: `c${i}`, action: ABLY_ACTION.present, timestamp: RECENT_MS }],
      ]),
    );
    const { receiver, fake } = await setup(sets, { everyMs: 20 });
    const done = new Promise<void>((resolve) => receiver.on('reconcile', (e) => void (e.phase === 'done' && resolve())));
    await done;
    await receiver.idle();
    expect(fake.counts).toMatchObject({ channels: 1, batch: 1, single: 0 });
    expect((await receiver.store.channels()).length).toBe(30);
  });

  it('without onDrift a drift is only reported: no request is made', async () => {
    const { receiver, recorded, fake, postItems: post } = await setup(new Map(), { graceMs: 5 });
    await post([
      ablyPresenceItem('room-1', [{ id: 'c1:0:0', clientId: 'a', connectionId: 'c1', action: ABLY_ACTION.enter, timestamp: RECENT_MS }]),
    ]);
    const drifted = driftFor(receiver, ['room-1']);
    await post([ablyOccupancyItem('room-1', { presenceMembers: 3 })]);
    await drifted;
    await receiver.idle();
    expect(recorded.drift).toEqual([{ channel: 'room-1', provider: 'ably', reported: 3, stored: 1, timestamp: expect.any(Number) }]);
    expect(fake.requests).toEqual([]);
  });
});
