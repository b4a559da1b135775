// The testing package's user-level truth (`history.users`, `userTruth`) against a real receiver: each
// provider's generated history, delivered shuffled and with duplicates over real HTTP (Express, MemoryStore),
// must end with users.get / users.count / store.users equal to the truth computed from the in-order history,
// and each user's user.online / user.offline must alternate (up, down, up, ...) ending where the truth is.
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
import {
  ablyBatchRequest,
  generateAblyHistory,
  generatePubNubHistory,
  generatePusherHistory,
  PUSHER_APP_KEY,
  PUSHER_APP_SECRET,
  seededRandom,
  userTruth,
  type BuiltRequest,
  type UserTruth,
} from '@presence-webhooks/testing/builders';
import { ablyDeliveries, pubnubDeliveries, pusherDeliveries } from '@presence-webhooks/testing/simulator';
import { describe, expect, it } from 'vitest';
import { postTo, startExpress } from './helpers/express-server.js';

const ABLY_KEY = 'truthApp.truthKey:truthSecretForTheUserTests42';
const PUBNUB_SECRET = 'user-truth-pubnub-secret';

async function replay(options: ReceiverOptions, requests: readonly { request: BuiltRequest; query?: string }[], truth: UserTruth) {
  const receiver: Receiver = createReceiver({ ...options, store: new MemoryStore() });
  const server = await startExpress(receiver);
  const errors: Error[] = [];
  receiver.onError((error) => errors.push(error));
  const levels = new Map<string, string[]>();
  for (const name of ['user.online', 'user.offline'] as const)
    receiver.on(name, (e) => void levels.set(e.userId, [...(levels.get(e.userId) ?? []), name]));
  try {
    for (const { request, query } of requests) {
      const answer = await postTo(`${server.url}${query ?? ''}`, request);
      expect(answer.status).toBe(200);
    }
    await receiver.idle();
    expect(errors).toEqual([]);

    // Users both online and offline at the end (lastSeen is checked).
    expect([...truth.users.values()].filter((u) => !u.online).length).toBeGreaterThanOrEqual(2);
    expect(truth.online).toBeGreaterThanOrEqual(2);
    for (const [userId, user] of truth.users) {
      const got = await receiver.users.get(userId);
      expect(got === undefined ? got : { ...got, since: undefined }, userId).toEqual({ ...user, since: undefined });
      // Events alternate up / down and end where the truth is.
      const seen = levels.get(userId) ?? [];
      seen.forEach((name, i) => expect(name, `${userId} event ${i}`).toBe(i % 2 === 0 ? 'user.online' : 'user.offline'));
      expect(seen.length % 2 === 1, `${userId} ends online`).toBe(user.online);
    }
    expect(await receiver.users.count()).toBe(truth.online);
    const channels = new Set([...truth.channels.keys(), ...(await receiver.store.channels())]);
    for (const channel of channels) expect(await receiver.store.users?.(channel), channel).toEqual(truth.channels.get(channel) ?? []);
  } finally {
    await server.close();
    await receiver.close();
  }
}

describe("the histories' user-level truth, replayed shuffled and duplicated through a receiver", () => {
  it.each([11, 13])('Ably (several connections per user, several channels), seed %i', async (seed) => {
    const history = generateAblyHistory({ seed, clients: 12, channels: ['room-1', 'room-2', 'room-3'], steps: 200, maxGapMs: 600 });
    const random = seededRandom(seed * 7919);
    const requests = ablyDeliveries(history.entries, random, { duplicateRate: 0.3 }).map((items) => ({
      request: ablyBatchRequest(items, { key: ABLY_KEY }),
    }));
    await replay({ ably: { keys: [ABLY_KEY] } }, requests, history.users);
  });

  it.each([22, 23])('PubNub (Events & Actions), seed %i', async (seed) => {
    const history = generatePubNubHistory({ seed, users: 10, channels: ['room-1'], steps: 120, maxGapMs: 600 });
    const deliveries = pubnubDeliveries(history.entries, seededRandom(seed * 31), {
      secret: PUBNUB_SECRET,
      legacyShare: 0,
      resendRate: 0.3,
      reorder: 'shuffle',
    });
    await replay({ pubnub: { secret: PUBNUB_SECRET } }, deliveries, history.users);
  });

  it.each([32, 33])('Pusher (single-event webhooks), seed %i', async (seed) => {
    const history = generatePusherHistory({
      seed,
      users: 10,
      channels: ['presence-room-1', 'presence-room-2'],
      maxConnections: 1,
      steps: 120,
      maxGapMs: 600,
    });
    const deliveries = pusherDeliveries(history.entries, seededRandom(seed * 17), { batchShare: 0, retryRate: 0.3, reorder: 'shuffle' });
    await replay({ pusher: { keys: [{ key: PUSHER_APP_KEY, secret: PUSHER_APP_SECRET }] } }, deliveries, history.users);
  });

  it('userTruth: one user over two connections and two channels; lastSeen is the latest leave; a leave of an absent member is none', () => {
    const t = Date.now() - 5 * 60_000;
    const truth = userTruth([
      { channel: 'b', memberKey: 'c1', userId: 'ann', present: true, at: t },
      { channel: 'a', memberKey: 'c2', userId: 'ann', present: true, at: t + 1 },
      { channel: 'a', memberKey: 'c3', userId: 'bob', present: true, at: t + 2 },
      { channel: 'b', memberKey: 'c1', userId: 'ann', present: false, at: t + 3 },
      { channel: 'a', memberKey: 'c3', userId: 'bob', present: false, at: t + 4 },
      { channel: 'a', memberKey: 'c3', userId: 'bob', present: false, at: t + 9 },
    ]);
    expect(truth.users.get('ann')).toEqual({ userId: 'ann', online: true, channels: ['a'], members: 1 });
    expect(truth.users.get('bob')).toEqual({ userId: 'bob', online: false, channels: [], members: 0, lastSeen: t + 4 });
    expect(truth.channels).toEqual(new Map([['a', ['ann']]]));
    expect(truth.online).toBe(1);
  });
});
