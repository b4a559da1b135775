/**
 * Pusher resync against a loopback fake of Pusher's HTTP API that checks every request's auth
 * signature: webhooks over real HTTP through Express with some deliveries lost for good, then
 * `receiver.resync(channel, { provider: 'pusher' })` brings the channel to what Pusher lists.
 */
import { createReceiver, ResyncError } from '@presence-webhooks/core';
import type { TruthMember } from '@presence-webhooks/testing/builders';
import {
  generatePusherHistory,
  PUSHER_APP_ID,
  PUSHER_APP_KEY,
  PUSHER_APP_SECRET,
  pusherMemberEvent,
  pusherRequest,
  seededRandom,
} from '@presence-webhooks/testing/builders';
import { pusherDeliveries } from '@presence-webhooks/testing/simulator';
import { describe, expect, it } from 'vitest';
import { pusherEnumerate, pusherSnapshot } from '../packages/core/src/providers/pusher/index.js';
import type { FakePusher } from './helpers/fake-pusher-rest.js';
import { startFakePusher } from './helpers/fake-pusher-rest.js';
import type { Rig } from './helpers/resync-harness.js';
import { cleanupAfterEach, foldEvents, foldedSet, startRig, storedSet } from './helpers/resync-harness.js';

const CHANNELS = ['presence-room-1', 'presence-room-2', 'presence-lobby'];
const KEYS = new Map([[PUSHER_APP_KEY, PUSHER_APP_SECRET]]);
const cleanups = cleanupAfterEach();

async function setup(sets: Map<string, TruthMember[]>, secret = PUSHER_APP_SECRET): Promise<Rig<FakePusher>> {
  const fake = await startFakePusher(PUSHER_APP_ID, KEYS, sets);
  return startRig(
    fake,
    {
      pusher: { keys: [{ key: PUSHER_APP_KEY, secret }], appId: PUSHER_APP_ID, rest: { baseUrl: fake.url } },
      resync: { minIntervalMs: 0, onStart: false },
    },
    cleanups,
  );
}

describe('Pusher: repair from the signed REST API', () => {
  for (const seed of [3, 8, 19]) {
    it(`seed ${seed}: lost webhooks, then resync of each channel: the set equals Pusher's, the repair's joins and leaves are emitted`, async () => {
      const history = generatePusherHistory({ seed, channels: CHANNELS, users: 8, steps: 160 });
      const random = seededRandom(seed * 7 + 1);
      const delivered = pusherDeliveries(history.entries, random, { retryRate: 0.1 }).filter(() => random() >= 0.3);
      const { receiver, recorded, fake, post } = await setup(history.truth);
      for (const d of delivered) await post(d.request);
      await receiver.idle();
      let differed = false;
      for (const channel of CHANNELS) {
        const truth = history.truth.get(channel) ?? [];
        differed ||= JSON.stringify(await storedSet(receiver.store, channel)) !== JSON.stringify(truth);
        const result = await receiver.resync(channel, { provider: 'pusher' });
        expect(result).toMatchObject({ channel, provider: 'pusher', reported: truth.length, complete: true });
        expect(await storedSet(receiver.store, channel)).toEqual(truth);
        expect(foldedSet(foldEvents(recorded), channel)).toEqual(truth);
      }
      expect(differed, 'the lost deliveries left some channel wrong').toBe(true);
      expect(
        recorded.presence.some((e) => e.name === 'leave' && 'reason' in e.payload && e.payload.reason === 'resync') ||
          recorded.presence.some((e) => e.name === 'join'),
      ).toBe(true);
      expect(fake.refused.count).toBe(0);
      expect(
        fake.requests.every(
          (r) => r.url.searchParams.get('auth_version') === '1.0' && /^[0-9a-f]{64}$/.test(r.url.searchParams.get('auth_signature') ?? ''),
        ),
      ).toBe(true);
      expect(recorded.errors).toEqual([]);
    });
  }

  it('a webhook newer than the snapshot wins over it', async () => {
    const sets = new Map<string, TruthMember[]>([['presence-a', [{ clientId: 'old' }]]]);
    const { receiver, post } = await setup(sets);
    await receiver.resync('presence-a', { provider: 'pusher' });
    await post(
      pusherRequest(Date.now() + 60_000, [
        pusherMemberEvent('member_removed', 'presence-a', 'old'),
        pusherMemberEvent('member_added', 'presence-a', 'new'),
      ]),
    );
    await receiver.idle();
    await receiver.resync('presence-a', { provider: 'pusher' }); // the fake still lists 'old' only: an older snapshot
    expect((await receiver.store.members('presence-a')).map((m) => m.clientId)).toEqual(['new']);
  });

  it('a wrongly signed request is refused by the fake: ResyncError with the status, the store unchanged', async () => {
    const sets = new Map<string, TruthMember[]>([['presence-a', [{ clientId: 'u1' }]]]);
    const { receiver, fake } = await setup(sets, 'not-the-secret');
    const failure = await receiver.resync('presence-a', { provider: 'pusher' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ResyncError);
    expect(failure).toMatchObject({ provider: 'pusher', channel: 'presence-a', status: 401 });
    expect((failure as Error).message).toMatch(/Invalid signature/);
    expect((failure as Error).message).not.toContain('auth_signature=');
    expect(fake.refused.count).toBe(1);
    expect(await receiver.store.members('presence-a')).toEqual([]);
  });

  it('without appId a resync says what to configure', async () => {
    const receiver = createReceiver({ pusher: { keys: [{ key: PUSHER_APP_KEY, secret: PUSHER_APP_SECRET }] } });
    cleanups.push(() => receiver.close());
    await expect(receiver.resync('presence-a', { provider: 'pusher' })).rejects.toThrow(/configure pusher\.appId/);
  });
});

describe('pusherSnapshot / pusherEnumerate (for whole-app reconcile)', () => {
  it("list the presence channels with their user counts, and one channel's users, signed", async () => {
    const sets = new Map<string, TruthMember[]>([
      ['presence-a', [{ clientId: 'u1' }, { clientId: 'u2' }]],
      ['presence-b', [{ clientId: 'u3' }]],
      ['private-c', [{ clientId: 'x' }]],
      ['presence-empty', []],
    ]);
    const fake = await startFakePusher(PUSHER_APP_ID, KEYS, sets);
    cleanups.push(() => fake.close());
    const config = {
      baseUrl: fake.url,
      appId: PUSHER_APP_ID,
      credentials: { key: PUSHER_APP_KEY, secret: PUSHER_APP_SECRET },
      timeoutMs: 5000,
      now: Date.now,
    };
    const listing = await pusherEnumerate(config);
    expect(listing.channels.sort((a, b) => a.channel.localeCompare(b.channel))).toEqual([
      { channel: 'presence-a', userCount: 2 },
      { channel: 'presence-b', userCount: 1 },
    ]);
    const snapshot = await pusherSnapshot(config)('presence-a');
    expect(snapshot).toMatchObject({ provider: 'pusher', channel: 'presence-a', complete: true, problems: [] });
    expect(snapshot.events.map((e) => e.memberKey)).toEqual(['u1', 'u2']);
    await expect(pusherSnapshot(config)('presence-bad name')).rejects.toThrow(/not a Pusher channel name/);
    await expect(pusherEnumerate({ ...config, credentials: { key: PUSHER_APP_KEY, secret: 'wrong' } })).rejects.toMatchObject({
      status: 401,
    });
    expect(fake.refused.count).toBe(1);
  });

  it("whole-app reconcile: lost webhooks and a stored channel Pusher no longer lists are repaired from one listing and each channel's users", async () => {
    const seed = 5;
    const history = generatePusherHistory({ seed, channels: CHANNELS, users: 8, steps: 160 });
    const random = seededRandom(seed * 11 + 3);
    const delivered = pusherDeliveries(history.entries, random, { retryRate: 0.1 }).filter(() => random() >= 0.3);
    const { receiver, fake, post } = await setup(history.truth);
    for (const d of delivered) await post(d.request);
    // A channel the store holds but Pusher no longer lists (everyone left while the receiver was down).
    await post(pusherRequest(Date.now() - 60_000, [pusherMemberEvent('member_added', 'presence-gone', 'ghost')]));
    await receiver.idle();
    expect(await receiver.store.members('presence-gone')).toHaveLength(1);
    const before = fake.requests.length;
    const result = await receiver.reconcile();
    await receiver.idle();
    for (const channel of CHANNELS) expect(await storedSet(receiver.store, channel)).toEqual(history.truth.get(channel) ?? []);
    expect(await receiver.store.members('presence-gone')).toEqual([]);
    expect(result).toMatchObject({ complete: true, failed: [], ranHere: true });
    expect(result.providers.pusher?.channels).toBe(result.channels);
    // One listing, then one users request per channel: the listed ones and the stored one Pusher does not list.
    const listed = CHANNELS.filter((c) => (history.truth.get(c) ?? []).length > 0).length;
    expect(fake.requests.length - before).toBe(1 + listed + 1);
    expect(result.requests).toBe(1 + listed + 1);
  });
});
