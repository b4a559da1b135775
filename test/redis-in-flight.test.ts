/**
 * Issue 26: a receiver on a RedisStore starts several deliveries' store calls at once (the store applies calls
 * in the order they were made, so each channel's changes keep the deliveries' order) and emits each delivery's
 * changes in its turn. Real Redis; deliveries handed to receiver.handle() as a busy server hands them on (all at
 * once, so that the calls overlap whatever the machine's speed). A store that does not say it applies in call
 * order is called one delivery at a time.
 */
import type { PresenceEvent } from '@presence-webhooks/core/store';
import type { ApplyOptions, Change } from '@presence-webhooks/core/store';
import { createReceiver } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';
import { RECENT_MS } from './helpers/recent.js';

const KEY = 'flightApp.flightKey:flight-secret-0123456789';
const available = await redisAvailable();
const prefixes: string[] = [];

/** A RedisStore that counts the apply calls in flight at once (the calls themselves are RedisStore's). */
class CountingStore extends RedisStore {
  inFlight = 0;
  most = 0;
  override async apply(events: readonly PresenceEvent[], options?: ApplyOptions): Promise<Change[]> {
    this.most = Math.max(this.most, ++this.inFlight);
    try {
      return await super.apply(events, options);
    } finally {
      this.inFlight--;
    }
  }
}

class OneAtATimeStore extends CountingStore {
  override readonly appliesInCallOrder: boolean = false;
}

/** 10 members over 3 channels, each entering, updating and leaving on its own connection: 30 deliveries, one step each. */
function deliveries() {
  const out = [];
  for (let step = 0; step < 3; step++) {
    for (let m = 0; m < 10; m++) {
      const action = [ABLY_ACTION.enter, ABLY_ACTION.update, ABLY_ACTION.leave][step] as number;
      const message = { id: `f${m}:${step}:0`, clientId: `member-${m}`, connectionId: `f${m}`, action, timestamp: RECENT_MS + step };
      out.push(ablyBatchRequest([ablyPresenceItem(`room-${m % 3}`, [message])], { key: KEY }));
    }
  }
  return out;
}

async function run(store: CountingStore) {
  const receiver = createReceiver({ ably: { keys: [KEY] }, store });
  const seen = new Map<string, string[]>();
  for (const name of ['join', 'update', 'leave'] as const)
    receiver.on(name, (event) => {
      const list = seen.get(event.member.clientId) ?? [];
      seen.set(event.member.clientId, [...list, name]);
    });
  const answers = await Promise.all(
    deliveries().map((request) => receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/' })),
  );
  await receiver.idle();
  const left = await Promise.all(['room-0', 'room-1', 'room-2'].map((channel) => store.members(channel)));
  await receiver.close();
  return { statuses: new Set(answers.map((a) => a.status)), seen, left: left.flat().length };
}

describe.skipIf(!available)('a receiver keeps several deliveries in flight on a store that applies in call order', () => {
  afterAll(async () => {
    const client = new Redis(REDIS_URL);
    for (const prefix of prefixes) await deleteKeys(client, prefix);
    client.disconnect();
  });

  function store(Store: typeof CountingStore): CountingStore {
    const prefix = uniquePrefix('flight');
    prefixes.push(prefix);
    return new Store({ url: REDIS_URL, prefix, feed: {} });
  }

  it('RedisStore: the calls overlap, and each member is emitted join, update, leave in that order', async () => {
    const counting = store(CountingStore);
    const { statuses, seen, left } = await run(counting);
    expect([...statuses]).toEqual([200]);
    expect(counting.most).toBeGreaterThan(1);
    expect(counting.most).toBeLessThanOrEqual(64);
    expect(seen.size).toBe(10);
    for (const [member, names] of seen) expect([member, names]).toEqual([member, ['join', 'update', 'leave']]);
    expect(left).toBe(0);
  });

  it("emit 'once' with a feed: a delivery's answer does not wait for the acknowledgement of what was emitted before", async () => {
    const prefix = uniquePrefix('flight-ack');
    prefixes.push(prefix);
    const feedStore = new RedisStore({ url: REDIS_URL, prefix, feed: {} });
    const feed = feedStore.feed as NonNullable<RedisStore['feed']>;
    const ack = feed.ack.bind(feed);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    feed.ack = async (cursors) => {
      held++;
      await gate; // the acknowledgements wait here until the deliveries are answered
      return ack(cursors);
    };
    const receiver = createReceiver({ ably: { keys: [KEY] }, store: feedStore, ack: 'after-store' });
    const answers: number[] = [];
    const all = (async () => {
      for (const request of deliveries().slice(0, 3))
        answers.push((await receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/' })).status);
    })();
    const stuck = await Promise.race([all.then(() => false), new Promise((resolve) => setTimeout(() => resolve(true), 10_000))]);
    expect(stuck).toBe(false);
    expect(answers).toEqual([200, 200, 200]);
    expect(held).toBeGreaterThan(0);
    release();
    await receiver.idle(); // waits for the acknowledgements too
    expect(await feed.claim(0, 100)).toEqual([]); // every change acknowledged: nothing left to claim
    await receiver.close();
  });

  it('a store that does not say so: one call at a time, the same events', async () => {
    const one = store(OneAtATimeStore);
    const { seen, left } = await run(one);
    expect(one.most).toBe(1);
    for (const [member, names] of seen) expect([member, names]).toEqual([member, ['join', 'update', 'leave']]);
    expect(left).toBe(0);
  });
});
