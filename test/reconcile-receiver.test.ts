/**
 * The whole-app reconcile through a real receiver: restarts on an empty or stale store against
 * loopback fakes of Ably's and PubNub's REST APIs, the watermark against late deliveries POSTed
 * over real HTTP, 429s and per-channel errors in the middle, and two receivers on one real Redis
 * spending one reconcile's requests between them. (The periodic `resync.everyMs` reconcile is in
 * test/resync-ably.test.ts.)
 */
import type { ReceiverOptions } from '@presence-webhooks/core';
import type { PresenceEvent } from '@presence-webhooks/core/store';
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import type { RawAblyPresence, TruthMember } from '@presence-webhooks/testing/builders';
import {
  ABLY_ACTION,
  ablyBatchRequest,
  ablyPresenceItem,
  generateAblyHistory,
  generatePubNubHistory,
  PUBNUB_SUB_KEY,
} from '@presence-webhooks/testing/builders';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { FakeAbly } from './helpers/fake-ably-rest.js';
import { ablyPresenceSets, startFakeAbly } from './helpers/fake-ably-rest.js';
import { startFakePubNub } from './helpers/fake-pubnub-rest.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';
import { cleanupAfterEach, record, startRig, storedSet } from './helpers/resync-harness.js';

const KEY = 'appId.keyId:reconcile-receiver-secret';
const SECRET = 'pn-reconcile-receiver-secret';
const ODD_NAMES = ['chat:lobby', 'room/4', 'with space', 'café ☕', '日本語', 'a:b/c d'];
/** Enough channels for two batch requests (100 channels each at most). */
const CHANNELS = [...ODD_NAMES, ...Array.from({ length: 150 }, (_, i) => `room-${i}`)];
const PAGE = 40;

const cleanups = cleanupAfterEach();
const redis = await redisAvailable();

function ablyTruth(seed: number) {
  const history = generateAblyHistory({ seed, channels: CHANNELS, clients: 4, steps: 1500 });
  expect(memberCount(history.truth)).toBeGreaterThan(100);
  return { sets: ablyPresenceSets(history.entries), truth: history.truth };
}

function pubnubTruth(seed: number): Map<string, TruthMember[]> {
  const { truth } = generatePubNubHistory({ seed, channels: CHANNELS, users: 4, steps: 1500 });
  expect(memberCount(truth)).toBeGreaterThan(100);
  return truth;
}

const truthOf = (truth: ReadonlyMap<string, readonly TruthMember[]>, channel: string) => [...(truth.get(channel) ?? [])];
const memberCount = (truth: ReadonlyMap<string, readonly TruthMember[]>) =>
  [...truth.values()].reduce((n, members) => n + members.length, 0);
/** The fewest requests Ably's reconcile can make: the enumeration pages and one batch per 100 channels. */
const ablyMinimum = (listed: number, page: number) => Math.max(1, Math.ceil(listed / page)) + Math.ceil(listed / 100);

async function ablyRig(
  sets: Map<string, RawAblyPresence[]>,
  options: Partial<ReceiverOptions> = {},
  fakeOptions: Parameters<typeof startFakeAbly>[3] = {},
) {
  const fake = await startFakeAbly(KEY, sets, 1000, { enumerationPageSize: PAGE, ...fakeOptions });
  return startRig(
    fake,
    { ably: { keys: [KEY], rest: { baseUrl: fake.url } }, resync: { maxRequestsPerSecond: 1000 }, ...options },
    cleanups,
  );
}

/** A present member the store holds from before the restart, stamped a minute before now. */
function ghost(provider: 'ably' | 'pubnub', channel: string, i: number): PresenceEvent {
  const ts = Date.now() - 60_000;
  const clientId = `ghost-${i}`;
  if (provider === 'pubnub')
    return {
      provider,
      channel,
      memberKey: clientId,
      present: true,
      member: { clientId, timestamp: ts },
      order: { ts, serial: -1, index: -1, rank: 0, id: `${channel}-${clientId}` },
    };
  const connectionId = `ghost-conn-${i}`;
  return {
    provider,
    channel,
    memberKey: `${connectionId}:${clientId}`,
    present: true,
    member: { clientId, connectionId, timestamp: ts },
    order: { ts, serial: -1, index: 0, rank: 0, id: `${channel}-${clientId}` },
  };
}

describe('restart on an empty MemoryStore, no deliveries afterwards', () => {
  it('Ably: ready() rebuilds every channel from the enumeration and batch presence, with the fewest requests, and emits the joins', async () => {
    const { sets, truth } = ablyTruth(5);
    const { receiver, recorded, fake } = await ablyRig(sets);
    const result = await receiver.ready();
    expect(result).toBeDefined();
    for (const channel of CHANNELS) expect(await storedSet(receiver.store, channel), channel).toEqual(truthOf(truth, channel));
    const minimum = ablyMinimum(sets.size, PAGE);
    expect(result).toMatchObject({
      complete: true,
      failed: [],
      ranHere: true,
      channels: sets.size,
      requests: minimum,
      changes: memberCount(truth),
    });
    expect(result?.providers.ably).toMatchObject({ requests: minimum, complete: true });
    expect(fake.counts).toMatchObject({
      channels: Math.ceil(sets.size / PAGE),
      batch: Math.ceil(sets.size / 100),
      single: 0,
      throttled: 0,
    });
    const joins = recorded.presence.filter((e) => e.name === 'join');
    expect(joins).toHaveLength(memberCount(truth));
    expect(recorded.presence.filter((e) => e.name === 'leave')).toEqual([]);
    expect(recorded.errors).toEqual([]);
  });

  it('PubNub: ready() rebuilds every channel from one global Here Now', async () => {
    const truth = pubnubTruth(7);
    const fake = await startFakePubNub(PUBNUB_SUB_KEY, truth);
    const { receiver, recorded } = await startRig(
      fake,
      { pubnub: { secret: SECRET, subscribeKey: PUBNUB_SUB_KEY, rest: { baseUrl: fake.url } }, resync: { maxRequestsPerSecond: 1000 } },
      cleanups,
    );
    const result = await receiver.ready();
    for (const channel of CHANNELS) expect(await storedSet(receiver.store, channel), channel).toEqual(truthOf(truth, channel));
    // An empty store holds no channel the global answer could miss: one request, no multi-channel one.
    expect(result).toMatchObject({ complete: true, failed: [], ranHere: true, requests: 1, changes: memberCount(truth) });
    expect(fake.counts).toMatchObject({ global: 1, multi: 0, single: 0 });
    expect(recorded.presence.filter((e) => e.name === 'join')).toHaveLength(memberCount(truth));
    expect(recorded.errors).toEqual([]);
  });
});

describe('restart on a store holding members who left while the receiver was down', () => {
  const GONE = ['gone:é/1', 'gone 2'];

  it('Ably: the ghosts leave with reason resync, in listed channels and in channels no longer listed', async () => {
    const { sets, truth } = ablyTruth(11);
    const store = new MemoryStore();
    const ghosts = [...ODD_NAMES, ...GONE].flatMap((channel) => [ghost('ably', channel, 0), ghost('ably', channel, 1)]);
    expect(await store.apply(ghosts)).toHaveLength(ghosts.length);
    const { receiver, recorded, fake } = await ablyRig(sets, { store });
    const result = await receiver.ready();
    for (const channel of CHANNELS) expect(await storedSet(store, channel), channel).toEqual(truthOf(truth, channel));
    for (const channel of GONE) expect(await store.members(channel), channel).toEqual([]);
    const leaves = recorded.presence.filter((e) => e.name === 'leave');
    expect(leaves.map((e) => `${e.payload.channel}/${e.payload.member.clientId}`).sort()).toEqual(
      ghosts.map((g) => `${g.channel}/${g.member.clientId}`).sort(),
    );
    for (const leave of leaves) expect(leave.payload).toMatchObject({ reason: 'resync' });
    // The store's channels the listing lacks went into the batches too.
    expect(result).toMatchObject({ complete: true, failed: [], channels: sets.size + GONE.length });
    expect(fake.counts.batch).toBe(Math.ceil((sets.size + GONE.length) / 100));
  });

  it('PubNub: the ghosts leave, the unlisted channels asked for with multi-channel Here Now', async () => {
    const truth = pubnubTruth(13);
    const store = new MemoryStore();
    const ghosts = [...ODD_NAMES, ...GONE].flatMap((channel) => [ghost('pubnub', channel, 0), ghost('pubnub', channel, 1)]);
    await store.apply(ghosts);
    const fake = await startFakePubNub(PUBNUB_SUB_KEY, truth);
    const { receiver, recorded } = await startRig(
      fake,
      {
        pubnub: { secret: SECRET, subscribeKey: PUBNUB_SUB_KEY, rest: { baseUrl: fake.url } },
        resync: { maxRequestsPerSecond: 1000 },
        store,
      },
      cleanups,
    );
    const result = await receiver.ready();
    for (const channel of CHANNELS) expect(await storedSet(store, channel), channel).toEqual(truthOf(truth, channel));
    for (const channel of GONE) expect(await store.members(channel), channel).toEqual([]);
    const leaves = recorded.presence.filter((e) => e.name === 'leave');
    expect(leaves.map((e) => `${e.payload.channel}/${e.payload.member.clientId}`).sort()).toEqual(
      ghosts.map((g) => `${g.channel}/${g.member.clientId}`).sort(),
    );
    for (const leave of leaves) expect(leave.payload).toMatchObject({ reason: 'resync' });
    expect(result).toMatchObject({ complete: true, failed: [] });
    expect(fake.counts.global).toBe(1);
    expect(fake.counts.multi + fake.counts.single).toBeGreaterThan(0);
  });
});

describe('the watermark: a late delivery older than the snapshot', () => {
  it('adds nobody the snapshot did not list; a newer one still joins', async () => {
    const { sets, truth } = ablyTruth(17);
    const { receiver, recorded, post } = await ablyRig(sets);
    const result = await receiver.ready();
    expect(result?.complete).toBe(true);
    const before = recorded.presence.length;
    const channel = 'café ☕';
    const late = (connectionId: string, timestamp: number): RawAblyPresence => ({
      id: `${connectionId}:0:0`,
      clientId: 'late',
      connectionId,
      action: ABLY_ACTION.enter,
      timestamp,
      data: { late: true },
    });
    // Sent before the snapshot was taken, delivered after it was applied.
    await post(ablyBatchRequest([ablyPresenceItem(channel, [late('late-old', Date.now() - 30_000)])], { key: KEY }));
    await receiver.idle();
    expect(await storedSet(receiver.store, channel)).toEqual(truthOf(truth, channel));
    expect(recorded.presence.slice(before)).toEqual([]);
    await post(ablyBatchRequest([ablyPresenceItem(channel, [late('late-new', Date.now() + 1000)])], { key: KEY }));
    await receiver.idle();
    expect(recorded.presence.slice(before).map((e) => [e.name, e.payload.member.connectionId])).toEqual([['join', 'late-new']]);
    expect((await receiver.store.members(channel)).map((m) => m.connectionId)).toContain('late-new');
  });
});

describe('429 with Retry-After and per-channel errors in the middle of a reconcile', () => {
  it('end with the right set, and a channel that cannot be had in failed', async () => {
    const { sets, truth } = ablyTruth(19);
    // 2 requests a second at the fake: the third answers 429 with Retry-After: 1.
    const batchErrors = new Map([
      ['chat:lobby', 1],
      ['日本語', Infinity],
    ]);
    const { receiver, fake, recorded } = await ablyRig(
      sets,
      {},
      { maxRequestsPerSecond: 2, batchErrors, singleErrors: new Set(['日本語']) },
    );
    const result = await receiver.ready();
    expect(fake.counts.throttled).toBeGreaterThan(0);
    expect(result).toMatchObject({ complete: false, failed: ['日本語'] });
    for (const channel of CHANNELS) {
      if (channel === '日本語') continue;
      expect(await storedSet(receiver.store, channel), channel).toEqual(truthOf(truth, channel));
    }
    expect(recorded.errors.length).toBeGreaterThan(0);
  });
});

describe.skipIf(!redis)('two receivers on one RedisStore start together', () => {
  it('the shared set is right, one of them reconciled, and the provider saw one reconcile of requests', async () => {
    const { sets, truth } = ablyTruth(23);
    const fake: FakeAbly = await startFakeAbly(KEY, sets, 1000, { enumerationPageSize: PAGE });
    const prefix = uniquePrefix('reconcile-fleet');
    const admin = new Redis(REDIS_URL, { lazyConnect: true });
    const stores = [new RedisStore({ url: REDIS_URL, prefix }), new RedisStore({ url: REDIS_URL, prefix })];
    // A ghost from before the restart, which one of the two must remove.
    await stores[0]?.apply([ghost('ably', 'chat:lobby', 0)]);
    const receivers = stores.map((store) =>
      createReceiver({ ably: { keys: [KEY], rest: { baseUrl: fake.url } }, resync: { maxRequestsPerSecond: 1000 }, store }),
    );
    cleanups.push(
      async () => {
        await deleteKeys(admin, prefix);
        await admin.quit();
      },
      () => fake.close(),
      async () => void (await Promise.all(stores.map((s) => s.close()))),
      async () => void (await Promise.all(receivers.map((r) => r.close()))),
    );
    const recorded = receivers.map(record);
    const results = await Promise.all(receivers.map((r) => r.ready()));
    expect(results.filter((r) => r?.ranHere === true)).toHaveLength(1);
    for (const channel of CHANNELS) expect(await storedSet(stores[1] as RedisStore, channel), channel).toEqual(truthOf(truth, channel));
    const minimum = ablyMinimum(sets.size, PAGE);
    expect(fake.counts.channels + fake.counts.batch).toBe(minimum);
    expect(fake.counts.single).toBe(0);
    expect(results.find((r) => r?.ranHere === true)?.requests).toBe(minimum);
    expect(recorded.flatMap((r) => r.errors)).toEqual([]);
  });
});
