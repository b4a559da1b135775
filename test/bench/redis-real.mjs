// The real-shaped RedisStore section (issue 26): deliveries shaped like a busy app's — 25 items of
// one presence message each, spread over 2000 channels (so one event per channel per delivery) —
// with `inFlight` deliveries handed to the store at once, as a busy server hands them on. Against the
// floor measured in the same run: the same writes as a bare ioredis pipeline of HSET/HDEL (one
// pipeline per delivery, as many in flight). Rounds alternate store and floor; figures are medians.
// Redis's own INFO commandstats gives the µs per EVALSHA (and per channel-event) over the store rounds.
// The receiver rows hand the same deliveries, as signed Ably bodies, to one receiver's handle() (ack
// 'after-store', so `inFlight` unsettled at once, user levels on as by default), feed off and on, and with user
// levels off (feed off). test/bench/redis-script-cost.mjs measures the receiver rows on a redis-server of its own.
import { Redis } from 'ioredis';
import { createReceiver } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { BENCH_KEY } from './bench-key.mjs';
import { commandStats, redisCpu, stepEvent } from './redis.mjs';
import { median, msSince, round } from './stats.mjs';

const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * `deliveries` deliveries of `items` events; item i of delivery d goes to channel (d * items + i) % channels,
 * and each channel's members go enter -> update -> leave (every event is effective when applied in order).
 */
export function realShapedDeliveries({ deliveries, items, channels }) {
  const perChannel = new Array(channels).fill(0);
  const base = Date.now() - 5 * 60_000;
  const out = [];
  for (let d = 0; d < deliveries; d++) {
    const events = [];
    for (let i = 0; i < items; i++) {
      const c = (d * items + i) % channels;
      events.push(stepEvent(c, perChannel[c]++, base + d));
    }
    out.push(events);
  }
  return out;
}

/** Run `work(i)` for i in 0..count-1 with at most `inFlight` pending at once; answers the sum of what they answer. */
async function window(count, inFlight, work) {
  let next = 0;
  let total = 0;
  const lane = async () => {
    while (next < count) {
      const n = await work(next++);
      total += n;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  return total;
}

/** The floor: each delivery as one pipeline of HSET (present) / HDEL (absent) of its members. */
async function floorRound(client, batches, inFlight, prefix) {
  const t0 = process.hrtime.bigint();
  const n = await window(batches.length, inFlight, async (d) => {
    const pipeline = client.pipeline();
    for (const e of batches[d]) {
      const key = `{${prefix}:${e.channel}}:m`;
      if (e.present) pipeline.hset(key, e.memberKey, JSON.stringify(e.member));
      else pipeline.hdel(key, e.memberKey);
    }
    const results = await pipeline.exec();
    for (const [error] of results) if (error) throw error;
    return batches[d].length;
  });
  const ms = msSince(t0);
  return { ms, events: n };
}

/** Apply every delivery; with a feed, acknowledge each delivery's changes after it, as a receiver emitting once does. */
async function storeRound(store, batches, inFlight) {
  const t0 = process.hrtime.bigint();
  const changes = await window(batches.length, inFlight, async (d) => {
    const answered = await store.apply(batches[d]);
    if (store.feed !== undefined) await store.feed.ack(answered.map((change) => change.cursor));
    return answered.length;
  });
  return { ms: msSince(t0), changes };
}

const ACTIONS = { enter: ABLY_ACTION.enter, update: ABLY_ACTION.update, leave: ABLY_ACTION.leave };

/** The deliveries as signed Ably bodies: one item per event, its one presence message the event's. */
export function signedBodies(batches) {
  return batches.map((events) =>
    ablyBatchRequest(
      events.map((e) => {
        const { clientId, connectionId, timestamp, data } = e.member;
        const step = e.present ? (e.order.serial === 0 ? 'enter' : 'update') : 'leave';
        const message = { id: e.order.id, clientId, connectionId, action: ACTIONS[step], timestamp };
        if (data !== undefined) Object.assign(message, { data: JSON.stringify(data), encoding: 'json' });
        return ablyPresenceItem(e.channel, [message]);
      }),
      { key: BENCH_KEY },
    ),
  );
}

/** Hand `bodies[from..to)` to `receiver.handle()`, `inFlight` unsettled at once; every answer must be 200. */
export async function handBodies(receiver, bodies, inFlight, from = 0, to = bodies.length) {
  await window(to - from, inFlight, async (i) => {
    const { headers, body } = bodies[from + i];
    const answer = await receiver.handle({ method: 'POST', headers, body, url: '/' });
    if (answer.status !== 200) throw new Error(`the receiver answered ${answer.status}: ${answer.body}`);
    return 0;
  });
}

/** One receiver on `store` (ack 'after-store'): every body handed to handle(), `inFlight` unsettled at once; `users` false: user levels off. */
async function receiverRound(store, bodies, inFlight, users = true) {
  const receiver = createReceiver({
    ably: { keys: [BENCH_KEY] },
    store,
    ack: 'after-store',
    onError: () => undefined,
    ...(users ? {} : { users: false }),
  });
  let changes = 0;
  for (const name of ['join', 'update', 'leave']) receiver.on(name, () => void changes++);
  const t0 = process.hrtime.bigint();
  await handBodies(receiver, bodies, inFlight);
  const ms = msSince(t0);
  await receiver.close();
  return { ms, changes };
}

/**
 * @param {{ deliveries?: number, items?: number, channels?: number, inFlight?: number, rounds?: number }} options
 */
export async function benchRedisRealShaped({ deliveries = 4000, items = 25, channels = 2000, inFlight = 64, rounds = 3 } = {}) {
  const admin = new Redis(URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const client = new Redis(URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  await client.connect();
  const tag = process.pid.toString(36);
  const storeMs = [];
  const floorMs = [];
  const storeRedisUs = [];
  const floorRedisUs = [];
  const storeClientUs = [];
  const feedMs = [];
  const feedRedisUs = [];
  const receiverUsersOn = { ms: [], cpuUs: [], usPerCall: [], usPerEvent: [], callsPerDelivery: [] };
  const receiverUsersOff = { ms: [], cpuUs: [], usPerCall: [], usPerEvent: [], callsPerDelivery: [] };
  const receiverMs = receiverUsersOn.ms;
  const receiverFeedMs = [];
  let bytesPerRetainedChange = 0;
  let evalsha = { calls: 0, usec: 0 };
  try {
    for (let r = 0; r < rounds; r++) {
      const batches = realShapedDeliveries({ deliveries, items, channels });
      const store = new RedisStore({ client, prefix: `pwbench-real-${tag}-${r}` });
      await store.apply(batches[0].slice(0, 1).map((e) => ({ ...e, channel: 'warm-up' })));
      const before = await commandStats(admin);
      const cpu0 = await redisCpu(admin);
      const client0 = process.cpuUsage();
      const s = await storeRound(store, batches, inFlight);
      const clientCpu = process.cpuUsage(client0);
      storeClientUs.push((clientCpu.user + clientCpu.system) / (deliveries * items));
      storeRedisUs.push((((await redisCpu(admin)) - cpu0) * 1e6) / (deliveries * items));
      const after = await commandStats(admin);
      if (s.changes !== deliveries * items) throw new Error(`RedisStore answered ${s.changes} changes for ${deliveries * items} events`);
      for (const name of ['evalsha', 'eval']) {
        evalsha.calls += (after[name] ?? 0) - (before[name] ?? 0);
        evalsha.usec += (after[`${name}.usec`] ?? 0) - (before[`${name}.usec`] ?? 0);
      }
      storeMs.push(s.ms);
      await store.clear();

      // The same deliveries with the change feed on (each change also written to the feed stream, then acknowledged).
      const feedPrefix = `pwbench-feed-${tag}-${r}`;
      const withFeed = new RedisStore({ client, prefix: feedPrefix, feed: {} });
      await withFeed.apply(batches[0].slice(0, 1).map((e) => ({ ...e, channel: 'warm-up' })));
      const feedCpu0 = await redisCpu(admin);
      const fs = await storeRound(withFeed, batches, inFlight);
      feedRedisUs.push((((await redisCpu(admin)) - feedCpu0) * 1e6) / (deliveries * items));
      if (fs.changes !== deliveries * items) throw new Error(`RedisStore with a feed answered ${fs.changes} changes`);
      feedMs.push(fs.ms);
      const stream = `{${feedPrefix}:s0}:feed`;
      bytesPerRetainedChange = ((await admin.memory('USAGE', stream, 'SAMPLES', 0)) ?? 0) / (fs.changes + 1);
      await withFeed.clear();
      await admin.del(stream, `{${feedPrefix}:s0}:unacked`);
      // One receiver, feed off and on, and user levels off (feed off): the same deliveries as signed bodies through
      // handle(); Redis's side of the feed-off rows (EVALSHA time, main-thread CPU) per event, users on and off.
      const bodies = signedBodies(batches);
      const receiverRows = r % 2 === 0 ? ['plain', 'feed', 'usersOff'] : ['usersOff', 'feed', 'plain'];
      for (const row of receiverRows) {
        const feed = row === 'feed';
        const prefix = `pwbench-recv-${tag}-${r}-${row}`;
        const store = new RedisStore({ client, prefix, ...(feed ? { feed: {} } : {}) });
        const warmUp = await store.apply(batches[0].slice(0, 1).map((e) => ({ ...e, channel: 'warm-up' })));
        // Acknowledged: a round longer than claimAfterMs had the receiver claim the warm-up's change and emit one change too many.
        if (feed) await store.feed.ack(warmUp.map((change) => change.cursor));
        const stats0 = await commandStats(admin);
        const cpu0 = await redisCpu(admin);
        const round = await receiverRound(store, bodies, inFlight, row !== 'usersOff');
        const cpu = (((await redisCpu(admin)) - cpu0) * 1e6) / (deliveries * items);
        const stats1 = await commandStats(admin);
        if (round.changes !== deliveries * items)
          throw new Error(`the receiver emitted ${round.changes} changes for ${deliveries * items} events`);
        if (row !== 'feed') {
          const figures = row === 'plain' ? receiverUsersOn : receiverUsersOff;
          figures.ms.push(round.ms);
          figures.cpuUs.push(cpu);
          const calls = (stats1.evalsha ?? 0) - (stats0.evalsha ?? 0);
          const usec = (stats1['evalsha.usec'] ?? 0) - (stats0['evalsha.usec'] ?? 0);
          figures.usPerCall.push(calls === 0 ? 0 : usec / calls);
          figures.usPerEvent.push(usec / (deliveries * items));
          figures.callsPerDelivery.push(calls / deliveries); // the deliveries that waited for a call share the next one
        } else receiverFeedMs.push(round.ms);
        await store.clear();
        if (feed) await admin.del(`{${prefix}:s0}:feed`, `{${prefix}:s0}:unacked`);
      }
      const floorPrefix = `pwbench-floor-${tag}-${r}`;
      const floorCpu0 = await redisCpu(admin);
      const f = await floorRound(client, batches, inFlight, floorPrefix);
      floorRedisUs.push((((await redisCpu(admin)) - floorCpu0) * 1e6) / (deliveries * items));
      floorMs.push(f.ms);
      const keys = [];
      for (let c = 0; c < channels; c++) keys.push(`{${floorPrefix}:room-${c}}:m`);
      for (let first = 0; first < keys.length; first += 500) await client.del(...keys.slice(first, first + 500));
    }
  } finally {
    client.disconnect();
    admin.disconnect();
  }
  const events = deliveries * items;
  const eventsPerSec = round((events / median(storeMs)) * 1000);
  const floorEventsPerSec = round((events / median(floorMs)) * 1000);
  const usPerCall = evalsha.calls === 0 ? 0 : evalsha.usec / evalsha.calls;
  const receiverEventsPerSec = round((events / median(receiverMs)) * 1000);
  return {
    deliveries,
    itemsPerDelivery: items,
    channels,
    inFlight,
    // One receiver: signed bodies through handle() (verify, parse, merge with user levels, emit), `inFlight` at once.
    receiverEventsPerSec,
    receiverRatioToFloor: round(receiverEventsPerSec / floorEventsPerSec, 3),
    receiverFeedOnToOff: round(median(receiverMs) / median(receiverFeedMs), 3),
    // Redis's side of the receiver (feed off), user levels on (the default) and off: µs per EVALSHA and per event as
    // INFO commandstats times them, and Redis's main-thread CPU per event (INFO cpu; both count any other client too).
    receiverUsPerEvalsha: round(median(receiverUsersOn.usPerCall), 1),
    receiverEvalshaUsPerEvent: round(median(receiverUsersOn.usPerEvent), 2),
    receiverRedisCpuUsPerEvent: round(median(receiverUsersOn.cpuUs), 2),
    receiverEvalshaPerDelivery: round(median(receiverUsersOn.callsPerDelivery), 3),
    receiverUsersOffEventsPerSec: round((events / median(receiverUsersOff.ms)) * 1000),
    receiverUsersOffUsPerEvalsha: round(median(receiverUsersOff.usPerCall), 1),
    receiverUsersOffEvalshaUsPerEvent: round(median(receiverUsersOff.usPerEvent), 2),
    receiverUsersOffRedisCpuUsPerEvent: round(median(receiverUsersOff.cpuUs), 2),
    // The store alone: store.apply() with `inFlight` at once (no user levels).
    eventsPerSec,
    floorEventsPerSec,
    ratioToFloor: round(eventsPerSec / floorEventsPerSec, 3),
    // The change feed on (written in the same script, each delivery's changes acknowledged after it).
    feedEventsPerSec: round((events / median(feedMs)) * 1000),
    feedOnToOff: round(median(storeMs) / median(feedMs), 3),
    feedRedisCpuUsPerEvent: round(median(feedRedisUs), 2),
    bytesPerRetainedChange: round(bytesPerRetainedChange),
    // Redis's main-thread CPU per event (INFO cpu), store and floor: what bounds one Redis, load aside.
    redisCpuUsPerEvent: round(median(storeRedisUs), 2),
    floorRedisCpuUsPerEvent: round(median(floorRedisUs), 2),
    clientCpuUsPerEvent: round(median(storeClientUs), 2),
    usPerEvalsha: round(usPerCall, 1),
    usPerChannelEvent: round(usPerCall / items, 2),
    evalshaPerDelivery: round(evalsha.calls / (rounds * deliveries), 2),
  };
}

/** MEMORY USAGE (exact) of every key under a prefix's shard-0 tag (the bench's keys: one shard). */
async function prefixBytes(client, prefix) {
  let bytes = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `{${prefix}:s0}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) bytes += (await client.memory('USAGE', key, 'SAMPLES', 0)) ?? 0;
  } while (cursor !== '0');
  return bytes;
}

/**
 * Redis memory per user (MEMORY USAGE): `users` users, each one member in one of `channels` channels, applied
 * with and without user levels; the difference per user while online, then again once they all left (offline,
 * kept lastSeenMs).
 */
export async function benchUserMemory({ users = 10_000, channels = 100 } = {}) {
  const client = new Redis(URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  const tag = process.pid.toString(36);
  const ts = Date.now() - 60_000;
  const event = (i, present) => {
    const clientId = `user-${i}`;
    const connectionId = `conn-${i}`;
    const member = { clientId, connectionId, timestamp: ts + (present ? 0 : 1), data: { status: 'online' } };
    const e = {
      provider: 'ably',
      channel: `room-${i % channels}`,
      memberKey: `${connectionId}:${clientId}`,
      present,
      member,
      userId: clientId,
      order: {
        ts: ts + (present ? 0 : 1),
        serial: present ? 0 : 1,
        index: 0,
        rank: present ? 0 : 2,
        id: `${connectionId}:${present ? 0 : 1}:0`,
      },
    };
    if (!present) e.reason = 'leave';
    return e;
  };
  const measure = async (withUsers) => {
    const prefix = `pwbench-users-${tag}-${withUsers ? 'on' : 'off'}`;
    const store = new RedisStore({ client, prefix });
    const options = withUsers ? { users: { graceMs: 0, lastSeenMs: 30 * 24 * 3600_000, now: Date.now() } } : undefined;
    for (let first = 0; first < users; first += 100)
      await store.apply(
        Array.from({ length: Math.min(100, users - first) }, (_, k) => event(first + k, true)),
        options,
      );
    const online = await prefixBytes(client, prefix);
    for (let first = 0; first < users; first += 100)
      await store.apply(
        Array.from({ length: Math.min(100, users - first) }, (_, k) => event(first + k, false)),
        options,
      );
    const offline = await prefixBytes(client, prefix);
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `{${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
    await client.del(`{${prefix}}:channels`);
    return { online, offline };
  };
  try {
    const on = await measure(true);
    const off = await measure(false);
    return {
      users,
      bytesPerOnlineUser: round((on.online - off.online) / users),
      bytesPerOfflineUser: round((on.offline - off.offline) / users),
    };
  } finally {
    client.disconnect();
  }
}
