/**
 * Pusher streams into RedisStore over real HTTP (Express) and real Redis: shuffled, retried,
 * single and batched webhooks end with the in-order truth (the order key's serial is `time_ms`,
 * the id a body digest: both go through the Lua merge), and a resync against the signed fake REST
 * API repairs a channel in Redis.
 */
import { createReceiver } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import {
  generatePusherHistory,
  PUSHER_APP_ID,
  PUSHER_APP_KEY,
  PUSHER_APP_SECRET,
  pusherMemberEvent,
  pusherRequest,
  seededRandom,
  sortMembers,
} from '@presence-webhooks/testing/builders';
import { pusherDeliveries } from '@presence-webhooks/testing/simulator';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakePusher } from './helpers/fake-pusher-rest.js';
import { postTo, startExpress } from './helpers/express-server.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const available = await redisAvailable();
const prefix = uniquePrefix('pusher');

describe.skipIf(!available)('Pusher into RedisStore', () => {
  afterAll(async () => {
    const client = new Redis(REDIS_URL);
    await deleteKeys(client, prefix);
    client.disconnect();
  });

  for (const seed of [41, 42]) {
    it(`seed ${seed}: shuffled and retried deliveries converge in Redis; a resync repairs what lost webhooks left`, async () => {
      const channels = [`presence-r${seed}-a`, `presence-r${seed}-b`];
      const history = generatePusherHistory({ seed, channels, users: 6, steps: 150, maxGapMs: 200, start: Date.now() - 2 * 60_000 });
      const fake = await startFakePusher(PUSHER_APP_ID, new Map([[PUSHER_APP_KEY, PUSHER_APP_SECRET]]), history.truth);
      const errors: Error[] = [];
      const store = new RedisStore({ url: REDIS_URL, prefix: `${prefix}${seed}:` });
      const receiver = createReceiver({
        pusher: { keys: [{ key: PUSHER_APP_KEY, secret: PUSHER_APP_SECRET }], appId: PUSHER_APP_ID, rest: { baseUrl: fake.url } },
        store,
        onError: (e) => void errors.push(e),
      });
      const server = await startExpress(receiver);
      try {
        const random = seededRandom(seed);
        const deliveries = pusherDeliveries(history.entries, random, { retryRate: 0.3 });
        for (const d of deliveries) expect((await postTo(server.url, d.request)).status).toBe(200);
        await receiver.idle();
        for (const channel of channels) {
          const got = sortMembers((await store.members(channel)).map((m) => ({ clientId: m.clientId })));
          expect(got, channel).toEqual(history.truth.get(channel) ?? []);
        }
        // Pusher's view moves on without webhooks (they were lost): the resync brings Redis to it.
        const moved = [{ clientId: 'late-user' }];
        history.truth.set(channels[0] as string, moved);
        const result = await receiver.resync(channels[0] as string, { provider: 'pusher' });
        expect(result.complete).toBe(true);
        expect((await store.members(channels[0] as string)).map((m) => m.clientId)).toEqual(['late-user']);
        expect(fake.refused.count).toBe(0);
        expect(errors).toEqual([]);
      } finally {
        await server.close();
        await receiver.close();
        await store.close();
        await fake.close();
      }
    });
  }

  it('the index in the body orders events of one time_ms in Lua too: removed then re-added in one batch, delivered before an older add', async () => {
    const store = new RedisStore({ url: REDIS_URL, prefix: `${prefix}index:` });
    const receiver = createReceiver({ pusher: { keys: [{ key: PUSHER_APP_KEY, secret: PUSHER_APP_SECRET }] }, store });
    const server = await startExpress(receiver);
    try {
      const channel = 'presence-index';
      const base = Date.now() - 60_000; // realistic provider times
      const batch = pusherRequest(base + 2000, [
        pusherMemberEvent('member_removed', channel, 'u'),
        pusherMemberEvent('member_added', channel, 'u'),
        pusherMemberEvent('member_removed', channel, 'v'),
      ]);
      const older = pusherRequest(base + 1000, [
        pusherMemberEvent('member_added', channel, 'u'),
        pusherMemberEvent('member_added', channel, 'v'),
      ]);
      for (const request of [batch, older, batch]) expect((await postTo(server.url, request)).status).toBe(200);
      await receiver.idle();
      expect((await store.members(channel)).map((m) => m.clientId)).toEqual(['u']);
    } finally {
      await server.close();
      await receiver.close();
      await store.close();
    }
  });
});
