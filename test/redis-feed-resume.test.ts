// Two instances on one RedisStore with the feed, over real HTTP: a shuffled, duplicated Ably stream is posted
// to instance A; instance B reads receiver.changes(), aborts part way, and resumes with its last cursor. Every
// change A applied is in B's feed once, each channel's changes in commit order, and the resumed read misses and
// repeats nothing. Single Redis with 1 shard and with 4 shards.
import { createReceiver } from '@presence-webhooks/core';
import type { FeedChange, Receiver } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { ablyBatchRequest, ablyPresenceItem, generateAblyHistory, seededRandom, shuffle } from '@presence-webhooks/testing/builders';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { postTo, startExpress } from './helpers/express-server.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const KEY = 'resumeApp.resumeKey:resumeSecretForTheFeedTest';
const available = await redisAvailable();
const prefix = uniquePrefix('feedresume');

afterAll(async () => {
  if (!available) return;
  const admin = new Redis(REDIS_URL);
  await deleteKeys(admin, prefix);
  await admin.quit();
});

/** Read B's changes after `since` until `count` arrived, then abort. */
async function take(receiver: Receiver, count: number, since?: string): Promise<FeedChange[]> {
  const out: FeedChange[] = [];
  const controller = new AbortController();
  for await (const change of receiver.changes({ ...(since === undefined ? {} : { since }), signal: controller.signal })) {
    out.push(change);
    if (out.length === count) controller.abort();
  }
  return out;
}

/** A change's identity, the same whoever reads it: its name and payload. */
const identity = (c: { name: string; event: unknown }) => `${c.name} ${JSON.stringify(c.event)}`;

describe.skipIf(!available)('B reads, aborts and resumes the feed of what A applied', () => {
  for (const shards of [1, 4]) {
    it(`${shards} shard(s): every change once, in commit order per channel, no gap or repeat across the abort`, async () => {
      const namespace = `${prefix}:s${shards}`;
      const storeA = new RedisStore({ url: REDIS_URL, prefix: namespace, shards, feed: {} });
      const storeB = new RedisStore({ url: REDIS_URL, prefix: namespace, shards, feed: {} });
      const a = createReceiver({ ably: { keys: [KEY] }, store: storeA, users: false, ack: 'after-store' });
      const b = createReceiver({ ably: { keys: [KEY] }, store: storeB, users: false });
      const server = await startExpress(a);
      try {
        const applied: { name: string; event: unknown; channel: string }[] = [];
        for (const name of ['join', 'update', 'leave'] as const)
          a.on(name, (event) => void applied.push({ name, event, channel: event.channel }));
        const history = generateAblyHistory({ seed: 31, channels: ['r-1', 'r-2', 'r-3'], clients: 6, steps: 120 });
        const random = seededRandom(5);
        const batches = shuffle(
          random,
          history.entries.flatMap((entry) => (random() < 0.3 ? [entry, entry] : [entry])),
        );
        const start = await (storeB.feed as NonNullable<typeof storeB.feed>).head(); // "now", before any delivery
        const first = take(b, 10, start); // aborted after 10 changes: its last cursor is where the resume starts
        for (const entry of batches)
          expect(
            (await postTo(server.url, ablyBatchRequest([ablyPresenceItem(entry.channel, [entry.message])], { key: KEY }))).status,
          ).toBe(200);
        await a.idle();
        const head = await first;
        const rest = await take(b, applied.length - head.length, head[head.length - 1]?.cursor);
        const resumed = [...head, ...rest];
        // Every change A emitted is in B's feed once (A emits what it committed: once, after-store).
        expect(resumed.map(identity).sort()).toEqual(applied.map(identity).sort());
        expect(new Set(resumed.map((c) => c.cursor)).size).toBe(resumed.length);
        // In commit order per channel: B's order within a channel is A's.
        for (const channel of ['r-1', 'r-2', 'r-3']) {
          const ofChannel = (list: { name: string; event: unknown }[]) =>
            list.filter((c) => (c.event as { channel: string }).channel === channel).map(identity);
          expect(ofChannel(resumed), channel).toEqual(ofChannel(applied));
        }
      } finally {
        await server.close();
        await a.close();
        await b.close();
        await storeA.close();
        await storeB.close();
      }
    });
  }
});
