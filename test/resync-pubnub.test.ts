/**
 * Drift and resync with PubNub: webhooks over real HTTP through Express, some deliveries lost for
 * good, PubNub's reported occupancy on each event as the drift signal, and Here Now served on
 * loopback from the simulator's truth.
 */
import type { ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver, ResyncError } from '@presence-webhooks/core';
import { pubnubSource } from '../packages/core/src/providers/pubnub/rest/snapshot.js';
import type { PubNubDelivery } from '@presence-webhooks/testing/simulator';
import type { PubNubHistoryEntry, TruthMember } from '@presence-webhooks/testing/builders';
import {
  generatePubNubHistory,
  PUBNUB_SUB_KEY,
  pubnubEventItem,
  pubnubEventsRequest,
  seededRandom,
} from '@presence-webhooks/testing/builders';
import { pubnubDeliveries } from '@presence-webhooks/testing/simulator';
import { describe, expect, it } from 'vitest';
import { postTo, startExpress } from './helpers/express-server.js';
import type { FakePubNub } from './helpers/fake-pubnub-rest.js';
import { startFakePubNub } from './helpers/fake-pubnub-rest.js';
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

const SECRET = 'pn-resync-secret';
const CHANNELS = ['room-1', 'room-2', 'room-3', 'lobby:é'];

const cleanups = cleanupAfterEach();

async function setup(
  sets: Map<string, TruthMember[]>,
  resync: ReceiverOptions['resync'],
  fakeOptions: { truncate?: number } = {},
  options: Partial<ReceiverOptions> = {},
): Promise<Rig<FakePubNub>> {
  const fake = await startFakePubNub(PUBNUB_SUB_KEY, sets, fakeOptions);
  // These tests look at one channel at a time: no start-up reconcile (test/reconcile-receiver.test.ts has those).
  return startRig(
    fake,
    {
      pubnub: { secret: SECRET, subscribeKey: PUBNUB_SUB_KEY, rest: { baseUrl: fake.url } },
      resync: resync === undefined ? undefined : { onStart: false, ...resync },
      ...options,
    },
    cleanups,
  );
}

/** Events & Actions deliveries (millisecond timestamps) with a random share lost for good; the newest event of each channel gets through. */
async function lossyHistory(seed: number) {
  const history = generatePubNubHistory({ seed, channels: CHANNELS, users: 6, steps: 120 });
  const random = seededRandom(seed * 13 + 5);
  const newest = new Map<string, PubNubHistoryEntry>();
  for (const entry of history.entries) if (entry.uuid !== undefined) newest.set(entry.channel, entry);
  const keep = new Set(newest.values());
  const all = pubnubDeliveries(history.entries, random, { secret: SECRET, legacyShare: 0, resendRate: 0.1 });
  const delivered = all.filter((d: PubNubDelivery) => d.entries.some((e) => keep.has(e)) || random() >= 0.3);
  const reference = await unrepairedStore(
    { pubnub: { secret: SECRET } },
    delivered.map((d) => d.request),
  );
  return { history, delivered, reference };
}

describe('PubNub: drift detected from the occupancy each event reports, repaired from Here Now', () => {
  for (const seed of [2, 6, 17]) {
    it(`seed ${seed}: the set equals the truth and the repair's joins and leaves are emitted`, async () => {
      const { history, delivered, reference } = await lossyHistory(seed);
      const drifting = await driftingChannels(reference, history.truth, CHANNELS);

      const { receiver, recorded, fake, post } = await setup(history.truth, { onDrift: true, graceMs: 10, minIntervalMs: 0 });
      // Checks may run between deliveries (a 10 ms grace). Here Now answers once the whole history has
      // been delivered, as the real one would: its snapshot is of the present, newer than every event.
      const drifted = driftFor(receiver, drifting);
      fake.hold();
      for (const d of delivered) await post(d.request);
      fake.release();
      await drifted;
      await receiver.idle();

      const repaired = new Set(recorded.drift.map((e) => e.channel));
      const folded = foldEvents(recorded);
      for (const channel of CHANNELS) {
        const expected = repaired.has(channel) ? (history.truth.get(channel) ?? []) : await storedSet(reference, channel);
        expect(await storedSet(receiver.store, channel), channel).toEqual(expected);
        expect(foldedSet(folded, channel), channel).toEqual(expected);
      }
      for (const channel of drifting) expect(await storedSet(receiver.store, channel), channel).toEqual(history.truth.get(channel) ?? []);
      for (const event of recorded.drift) expect(event.provider).toBe('pubnub');
      // Leaves from the repair carry reason 'resync' and name members the truth does not hold.
      const resyncLeaves = recorded.presence.filter((e) => e.name === 'leave' && 'reason' in e.payload && e.payload.reason === 'resync');
      expect(resyncLeaves.length).toBeGreaterThan(0);
      for (const { payload } of resyncLeaves)
        expect(memberKeys(history.truth.get(payload.channel) ?? []).has(payload.member.clientId)).toBe(false);
      expect(recorded.errors).toEqual([]);
      for (const request of fake.requests) {
        expect(request.url.searchParams.get('state')).toBe('1');
        expect(request.url.searchParams.get('uuid')).toBe('presence-webhooks-resync');
      }
    });
  }
});

function eventRequest(
  kind: 'join' | 'leave' | 'state-change',
  channel: string,
  userId: string,
  timestampMs: number,
  occupancy: number,
  state?: unknown,
) {
  return pubnubEventsRequest(
    kind,
    [pubnubEventItem({ id: `live-${kind}-${userId}-${timestampMs}`, channel, userId, timestampMs, occupancy, state })],
    { secret: SECRET },
  );
}

describe('PubNub: resync on demand', () => {
  it('keeps deliveries that arrive while Here Now is in flight: the older snapshot does not override them', async () => {
    const history = generatePubNubHistory({ seed: 4, channels: ['room-1'], users: 8, steps: 60 });
    const truth = history.truth.get('room-1') ?? [];
    expect(truth.length).toBeGreaterThanOrEqual(2);
    // after-store: a webhook is answered once applied, so "delivered" means "in the store".
    const { receiver, recorded, fake, post } = await setup(history.truth, undefined, {}, { ack: 'after-store' });
    // The receiver saw only the first half of the history.
    for (const d of pubnubDeliveries(history.entries.slice(0, 30), seededRandom(1), {
      secret: SECRET,
      legacyShare: 0,
      resendRate: 0,
      reorder: false,
    }))
      await post(d.request);
    await receiver.idle();

    fake.hold();
    const resync = receiver.resync('room-1');
    await fake.arrived(1);
    const now = Date.now();
    const [gone, changed] = truth as [TruthMember, TruthMember];
    const applied = Promise.all([
      nextEvent(receiver, 'join', (e) => e.member.clientId === 'newcomer'),
      nextEvent(receiver, 'update', (e) => e.member.clientId === changed.clientId),
    ]);
    await post(eventRequest('join', 'room-1', 'newcomer', now, truth.length + 1, { mood: 'new' }));
    await post(eventRequest('state-change', 'room-1', changed.clientId, now, truth.length + 1, { mood: 'changed in flight' }));
    await post(eventRequest('leave', 'room-1', gone.clientId, now, truth.length));
    await applied;
    fake.release();
    const result = await resync;
    await receiver.idle();

    const members = new Map((await receiver.store.members('room-1')).map((m) => [m.clientId, m]));
    expect(members.has(gone.clientId)).toBe(false);
    expect(members.get(changed.clientId)?.data).toEqual({ mood: 'changed in flight' });
    expect(members.get('newcomer')?.data).toEqual({ mood: 'new' });
    expect(new Set(members.keys())).toEqual(new Set([...truth.map((m) => m.clientId).filter((id) => id !== gone.clientId), 'newcomer']));
    expect(result.snapshotTime).toBeLessThan(now);
    expect(recorded.errors).toEqual([]);
  });

  it('an incomplete Here Now (more counted than listed) adds members but infers no leave', async () => {
    const sets = new Map([['room-1', [{ clientId: 'a' }, { clientId: 'b' }, { clientId: 'c' }]]]);
    const { receiver, post, recorded } = await setup(sets, undefined, { truncate: 1 });
    await post(eventRequest('join', 'room-1', 'old', RECENT_MS, 1));
    await receiver.idle();
    const result = await receiver.resync('room-1');
    expect(result).toMatchObject({ complete: false, reported: 1, stored: 1 });
    expect((await receiver.store.members('room-1')).map((m) => m.clientId)).toEqual(['a', 'old']);
    expect(recorded.presence.filter((e) => e.name === 'leave')).toEqual([]);
  });

  it('a Here Now error names the channel and the status, and reaches onError', async () => {
    const fake = await startFakePubNub('sub-c-other', new Map());
    const receiver = createReceiver({ pubnub: { secret: SECRET, subscribeKey: PUBNUB_SUB_KEY, rest: { baseUrl: fake.url } } });
    const recorded = record(receiver);
    cleanups.push(
      () => fake.close(),
      () => receiver.close(),
    );
    const error = await receiver.resync('room/9').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ResyncError);
    expect(error).toMatchObject({ status: 400, channel: 'room/9', provider: 'pubnub' });
    expect((error as Error).message).toContain('Invalid Subscribe Key');
    expect(fake.requests[0]?.url.pathname).toBe(`/v2/presence/sub-key/${PUBNUB_SUB_KEY}/channel/room%2F9`);
    expect(recorded.errors).toEqual([error]);
  });

  it("with both providers configured, the provider comes from the channel's events, or must be named", async () => {
    const fake = await startFakePubNub(PUBNUB_SUB_KEY, new Map([['room-1', [{ clientId: 'u1' }]]]));
    const receiver = createReceiver({
      ably: { keys: ['app.key:secret'] },
      pubnub: { secret: SECRET, subscribeKey: PUBNUB_SUB_KEY, rest: { baseUrl: fake.url } },
    });
    const server = await startExpress(receiver);
    cleanups.push(
      () => fake.close(),
      () => server.close(),
      () => receiver.close(),
    );
    await expect(receiver.resync('room-1')).rejects.toThrow(/pass \{ provider/);
    expect((await postTo(server.url, eventRequest('join', 'room-1', 'u0', RECENT_MS, 1))).status).toBe(200);
    await receiver.idle();
    const result = await receiver.resync('room-1');
    expect(result.provider).toBe('pubnub');
    expect((await receiver.store.members('room-1')).map((m) => m.clientId)).toEqual(['u1']);
  });

  it('without a subscribe key there is nothing to read: resync says what to configure', async () => {
    const receiver = createReceiver({ pubnub: { secret: SECRET } });
    cleanups.push(() => receiver.close());
    receiver.onError(() => undefined);
    await expect(receiver.resync('room-1')).rejects.toThrow(/configure pubnub.subscribeKey/);
  });

  it('Here Now may be 3 s old (PubNub caches it): the snapshot stands for the request time minus 3 s', async () => {
    const fake = await startFakePubNub(PUBNUB_SUB_KEY, new Map([['room-1', [{ clientId: 'u1', data: { a: 1 } }]]]));
    cleanups.push(() => fake.close());
    const source = pubnubSource({
      subscribeKey: PUBNUB_SUB_KEY,
      baseUrl: fake.url,
      timeoutMs: 5000,
      uuid: 'me',
      authKey: 'tok',
      now: () => 10_000,
    });
    const snapshot = await source('room-1');
    expect(snapshot).toMatchObject({ provider: 'pubnub', channel: 'room-1', time: 7000, complete: true });
    expect(snapshot.events.map((e) => [e.memberKey, e.member.data, e.order.ts])).toEqual([['u1', { a: 1 }, 7000]]);
    expect(Object.fromEntries(fake.requests[0]?.url.searchParams ?? [])).toEqual({ state: '1', uuid: 'me', auth: 'tok' });
  });
});

describe('PubNub: a resync that only restates members emits nothing, now or later', () => {
  it('the restatements (same state, the snapshot time) are acknowledged to the fleet: no update is claimed and emitted later', async () => {
    const history = generatePubNubHistory({ seed: 4, channels: ['room-1'], users: 8, steps: 60 });
    const { receiver, recorded, post } = await setup(history.truth, undefined, {}, { claimAfterMs: 100 });
    for (const d of pubnubDeliveries(history.entries, seededRandom(3), { secret: SECRET, legacyShare: 0, resendRate: 0, reorder: false }))
      await post(d.request);
    await receiver.idle();
    const before = recorded.presence.length;
    const result = await receiver.resync('room-1');
    expect(result.changes).toEqual([]); // Here Now lists exactly what the store holds
    await new Promise((resolve) => setTimeout(resolve, 600)); // several claim rounds
    await receiver.idle();
    expect(recorded.presence.slice(before)).toEqual([]);
  });
});
