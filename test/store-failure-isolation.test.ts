// A store failure on one channel of a delivery does not lose its other channels: they are applied and
// emitted on their own, and only the failing channel is retried (on-receipt) or answered 503 (after-store).
// The failure is a real one: another program wrote a string at the channel's Redis hash key (WRONGTYPE).
// Real HTTP through Express, a real Redis, one shard and four.
import { createReceiver, StoreError } from '@presence-webhooks/core';
import type { JoinEvent } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem, type RawAblyPresence } from '@presence-webhooks/testing/builders';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { postTo, startExpress } from './helpers/express-server.js';
import { RECENT_MS } from './helpers/recent.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const KEY = 'isoApp.isoKey:isolationSecretForTheTests123';
const available = await redisAvailable();
const admin = available ? new Redis(REDIS_URL) : undefined;
const prefixes: string[] = [];

afterAll(async () => {
  if (admin === undefined) return;
  for (const prefix of prefixes) await deleteKeys(admin, prefix);
  admin.disconnect();
});

function member(clientId: string, n: number): RawAblyPresence {
  return { id: `${clientId}c:${n}:0`, clientId, connectionId: `${clientId}c`, action: ABLY_ACTION.enter, timestamp: RECENT_MS + n };
}

/** Make `channel` exist in the store (a member joins over HTTP), then overwrite its hash with a string, as another program sharing the Redis might. */
async function breakChannel(url: string, receiver: { idle(): Promise<void> }, prefix: string, channel: string): Promise<string> {
  expect((await postTo(url, ablyBatchRequest([ablyPresenceItem(channel, [member('sam', 0)])], { key: KEY }))).status).toBe(200);
  await receiver.idle();
  const [key] = await (admin as Redis).keys(`{${prefix}:s*}:c:${channel}:h`);
  expect(key, 'the channel hash key').toBeDefined();
  await (admin as Redis).set(key as string, 'not a hash: another program wrote here');
  return key as string;
}

describe.skipIf(!available)('a store failure on one channel of a delivery', () => {
  for (const shards of [1, 4]) {
    it(`on-receipt, ${shards} shard(s): the other channels are applied and emitted once; the failing channel alone is retried, then given up and reported`, async () => {
      const prefix = uniquePrefix(`iso-receipt-${shards}`);
      prefixes.push(prefix);
      const store = new RedisStore({ url: REDIS_URL, prefix, shards });
      const errors: Error[] = [];
      const receiver = createReceiver({
        ably: { keys: [KEY] },
        store,
        retry: { attempts: 2, baseDelayMs: 10 },
        onError: (e) => void errors.push(e),
      });
      const joins: JoinEvent[] = [];
      const server = await startExpress(receiver);
      try {
        const badKey = await breakChannel(server.url, receiver, prefix, 'room-bad');
        receiver.on('join', (e) => void joins.push(e));
        const request = ablyBatchRequest(
          [
            ablyPresenceItem('room-a', [member('ana', 1)]),
            ablyPresenceItem('room-bad', [member('bob', 2)]),
            ablyPresenceItem('room-c', [member('cai', 3)]),
          ],
          { key: KEY },
        );
        expect((await postTo(server.url, request)).status).toBe(200);
        await receiver.idle();
        expect(joins.map((j) => `${j.channel}/${j.member.clientId}`).sort()).toEqual(['room-a/ana', 'room-c/cai']);
        expect((await store.members('room-a')).map((m) => m.clientId)).toEqual(['ana']);
        expect((await store.members('room-c')).map((m) => m.clientId)).toEqual(['cai']);
        expect(receiver.stats().lostDeliveries).toBe(1);
        const failures = errors.filter((e): e is StoreError => e instanceof StoreError);
        expect(failures.map((e) => e.details.attempt)).toEqual([1, 2]);
        expect(failures.at(-1)?.message).toMatch(/giving up.*room-bad.*WRONGTYPE/);
        expect(await (admin as Redis).get(badKey)).toMatch(/^not a hash/); // the other program's value is untouched
      } finally {
        await server.close();
        await receiver.close();
        await store.close();
      }
    });

    it(`after-store, ${shards} shard(s): 503 while one channel fails, the others applied and emitted once across resends; 200 once it is fixed`, async () => {
      const prefix = uniquePrefix(`iso-after-${shards}`);
      prefixes.push(prefix);
      const store = new RedisStore({ url: REDIS_URL, prefix, shards });
      const receiver = createReceiver({ ably: { keys: [KEY] }, store, ack: 'after-store', onError: () => undefined });
      const joins: JoinEvent[] = [];
      const server = await startExpress(receiver);
      try {
        const badKey = await breakChannel(server.url, receiver, prefix, 'room-bad');
        receiver.on('join', (e) => void joins.push(e));
        const request = ablyBatchRequest(
          [
            ablyPresenceItem('room-a', [member('ana', 1)]),
            ablyPresenceItem('room-bad', [member('bob', 2)]),
            ablyPresenceItem('room-c', [member('cai', 3)]),
          ],
          { key: KEY },
        );
        for (let resend = 0; resend < 3; resend++) {
          const answer = await postTo(server.url, request);
          expect(answer.status).toBe(503);
          expect(answer.json).toMatchObject({ error: { code: 'store_failed' } });
        }
        expect(joins.map((j) => `${j.channel}/${j.member.clientId}`).sort()).toEqual(['room-a/ana', 'room-c/cai']);
        expect((await store.members('room-a')).map((m) => m.clientId)).toEqual(['ana']);
        await (admin as Redis).del(badKey); // the operator removes the stray key: the provider's next resend goes through
        expect((await postTo(server.url, request)).status).toBe(200);
        expect(joins.map((j) => `${j.channel}/${j.member.clientId}`).sort()).toEqual(['room-a/ana', 'room-bad/bob', 'room-c/cai']);
        expect((await store.members('room-bad')).map((m) => m.clientId)).toEqual(['bob']);
      } finally {
        await server.close();
        await receiver.close();
        await store.close();
      }
    });
  }
});
