/**
 * emit 'once' with a feed (real Redis): the acknowledgement of a delivery's changes does not hold up the
 * deliveries after it (it was awaited in the delivery's queue job: one more round trip per delivery), and
 * idle() waits for it, so nothing is left unacknowledged for another instance to claim.
 */
import { createReceiver } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';
import { RECENT_MS } from './helpers/recent.js';

const KEY = 'ackHoldApp.ackHoldKey:ack-hold-secret-0123456789';
const available = await redisAvailable();
const prefix = uniquePrefix('emit-ack');

function enter(m: number) {
  const message = { id: `a${m}:0:0`, clientId: `member-${m}`, connectionId: `a${m}`, action: ABLY_ACTION.enter, timestamp: RECENT_MS + m };
  return ablyBatchRequest([ablyPresenceItem(`room-${m % 2}`, [message])], { key: KEY });
}

describe.skipIf(!available)("emit 'once' with a feed: acknowledgements off the deliveries' path", () => {
  afterAll(async () => {
    const client = new Redis(REDIS_URL);
    await deleteKeys(client, prefix);
    client.disconnect();
  });

  it("a delivery's answer does not wait for the acknowledgement of what was emitted before; idle() does", async () => {
    const store = new RedisStore({ url: REDIS_URL, prefix, feed: {} });
    const feed = store.feed as NonNullable<RedisStore['feed']>;
    const ack = feed.ack.bind(feed);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    feed.ack = async (cursors) => {
      held++;
      await gate; // the acknowledgements wait here until the deliveries are answered
      return ack(cursors);
    };
    const receiver = createReceiver({ ably: { keys: [KEY] }, store, ack: 'after-store' });
    try {
      const answers: number[] = [];
      const all = (async () => {
        for (let m = 0; m < 3; m++) {
          const request = enter(m);
          answers.push((await receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/' })).status);
        }
      })();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stuck = await Promise.race([
        all.then(() => false),
        new Promise((resolve) => (timer = setTimeout(() => resolve(true), 10_000))),
      ]);
      clearTimeout(timer);
      expect(stuck).toBe(false); // answered while the first acknowledgement is still held
      expect(answers).toEqual([200, 200, 200]);
      expect(held).toBeGreaterThan(0);
      release();
      await receiver.idle(); // waits for the acknowledgements too
      expect(await feed.claim(0, 100)).toEqual([]); // every change acknowledged: nothing left to claim
    } finally {
      release();
      await receiver.close();
      await store.close();
    }
  });
});
