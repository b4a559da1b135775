// Section: people (user levels). Two figures, in a child process with --expose-gc (run.mjs runs
// `node --expose-gc users.mjs '<options json>'`):
//
// 1. CPU per delivery with users on ÷ users off, same run: receiver.handle() on signed 10-item Ably
//    batches (fixtures.mjs: real-shaped, provider times a few minutes ago; 5000 users over 100 channels,
//    each member enters, updates and leaves; then again with 20 users, each in several channels at once) into a MemoryStore, join / update / leave handlers in both
//    runs and the four user-level handlers when users are on. Rounds alternate which runs first; the first
//    round is a warm-up; the ratio is the median of each round's on ÷ off (process.cpuUsage per delivery).
// 2. Bytes per online user and per offline user in MemoryStore: the same N members (one per user, no
//    data) applied to a store with user levels and to one without; the heap difference after full GCs,
//    ÷ N, is what the user levels cost per online user. Then every member leaves and the tombstones pass
//    the horizon: the store without users is empty again, the one with users holds N offline users
//    (their lastSeen) until users.lastSeenMs, after which it is empty too. Both stores keep a feed of one
//    change (maxChanges: 1) so the feed's own log (bounded, 10000 changes by default) is not counted.
import { fileURLToPath } from 'node:url';
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { ablyOrderKey } from '../../packages/core/dist/order-key.js';
import { BENCH_KEY, presenceBodies } from './fixtures.mjs';
import { profiled } from './profile.mjs';
import { median, quantile, round } from './stats.mjs';

const USER_EVENTS = ['user.join', 'user.leave', 'user.online', 'user.offline'];

async function pipeline(bodies, users) {
  const receiver = createReceiver({ ably: { keys: [BENCH_KEY] }, store: new MemoryStore(), ...(users ? {} : { users: false }) });
  let memberChanges = 0;
  let userChanges = 0;
  for (const name of ['join', 'update', 'leave']) receiver.on(name, () => void memberChanges++);
  if (users) for (const name of USER_EVENTS) receiver.on(name, () => void userChanges++);
  const cpu0 = process.cpuUsage();
  for (const request of bodies) {
    const res = await receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/webhooks' });
    if (res.status !== 200) throw new Error(`pipeline answered ${res.status}: ${res.body}`);
    await receiver.idle(); // one delivery applied and emitted before the next (see core-pipeline.mjs)
  }
  const cpu = process.cpuUsage(cpu0);
  await receiver.close();
  return { cpuUs: cpu.user + cpu.system, memberChanges, userChanges };
}

/** CPU per delivery, users on ÷ off, with `clients` distinct client ids over the 100 channels. */
async function cpu({ rounds, count, clients, profile }) {
  const bodies = presenceBodies({ count, format: 'json', clients });
  const on = [];
  const off = [];
  let last;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [false, true] : [true, false];
    for (const users of order) {
      const run = await profiled(profile, `users-${clients}-${users ? 'on' : 'off'}`, r === rounds - 1, () => pipeline(bodies, users));
      (users ? on : off).push(run.cpuUs / count);
      if (users) last = run;
    }
  }
  if (last.memberChanges !== count * 10) throw new Error(`${last.memberChanges} member changes for ${count * 10} events`);
  if (last.userChanges === 0) throw new Error('users on emitted no user-level event');
  const ratios = on.slice(1).map((us, i) => us / off[i + 1]);
  return {
    clients,
    deliveries: count,
    eventsPerDelivery: 10,
    userEventsPerDelivery: round(last.userChanges / count, 2),
    usPerDeliveryOff: round(median(off.slice(1)), 1),
    usPerDeliveryOn: round(median(on.slice(1)), 1),
    onToOff: round(median(ratios), 3),
    // The spread of the rounds' ratios (first and third quartiles): one round is ~0.1 s of CPU per run, and this
    // machine's speed and the collector's timing move single rounds by ±20 %.
    onToOffQ1: round(quantile(ratios, 0.25), 3),
    onToOffQ3: round(quantile(ratios, 0.75), 3),
  };
}

function gcHeap() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** An Ably member event of user `i` (one connection each), on one of `channels` channels. */
function memberEvent(i, channels, present, ts) {
  const connectionId = `c${i.toString(36).padStart(8, '0')}`;
  const clientId = `user-${i}`;
  const event = {
    provider: 'ably',
    channel: `room-${i % channels}`,
    memberKey: `${connectionId}:${clientId}`,
    present,
    member: { clientId, connectionId, timestamp: ts },
    order: ablyOrderKey(`${connectionId}:${present ? 0 : 1}:0`, connectionId, ts, !present),
    userId: clientId,
  };
  if (!present) event.reason = 'leave';
  return event;
}

async function applyAll(store, users, present, ts, { count, channels, batch = 1000 }, options) {
  for (let from = 0; from < count; from += batch) {
    const events = [];
    for (let i = from; i < Math.min(count, from + batch); i++) events.push(memberEvent(i, channels, present, ts));
    await store.apply(events, users ? { users: options() } : {});
  }
}

/** Bytes per online and per offline user (user levels only: the member records are counted apart). */
async function memory({ users: count, channels }) {
  const HORIZON = 10 * 60_000;
  const LAST_SEEN = 30 * 24 * 3600_000;
  let clock = Date.now();
  const now = () => clock;
  const levels = () => ({ graceMs: 0, lastSeenMs: LAST_SEEN, now: clock });
  const joinedAt = clock - 4 * 60_000;
  const sizes = { count, channels };

  const base = gcHeap();
  const without = new MemoryStore({ now, tombstoneHorizonMs: HORIZON, maxChanges: 1 });
  await applyAll(without, false, true, joinedAt, sizes, levels);
  const heapWithout = gcHeap();
  const withUsers = new MemoryStore({ now, tombstoneHorizonMs: HORIZON, maxChanges: 1 });
  await applyAll(withUsers, true, true, joinedAt, sizes, levels);
  const heapBoth = gcHeap();
  if ((await withUsers.userCount()) !== count) throw new Error(`${await withUsers.userCount()} users online, expected ${count}`);
  const memberBytes = heapWithout - base;
  const onlineBytes = heapBoth - heapWithout - memberBytes;

  // Everyone leaves; the tombstones pass the horizon and are swept.
  await applyAll(without, false, false, joinedAt + 60_000, sizes, levels);
  await applyAll(withUsers, true, false, joinedAt + 60_000, sizes, levels);
  clock += HORIZON + 1000;
  without.expire();
  withUsers.expire();
  if (without.channelCount !== 0) throw new Error(`${without.channelCount} channels left after the horizon`);
  const offline = withUsers.userSize;
  if (offline !== count || (await withUsers.userCount()) !== 0) throw new Error(`${offline} users held, ${count} expected, all offline`);
  const offlineHeap = gcHeap();

  // After lastSeenMs the offline users are forgotten: what that frees is what they cost.
  clock += LAST_SEEN + 1000;
  await withUsers.expireUsers({ graceMs: 0, lastSeenMs: LAST_SEEN, now: clock });
  const forgottenHeap = gcHeap();
  return {
    users: count,
    channels,
    bytesPerMember: round(memberBytes / count),
    bytesPerOnlineUser: round(onlineBytes / count),
    bytesPerOfflineUser: round((offlineHeap - forgottenHeap) / count),
    offlineUsersHeld: offline,
    usersHeldAfterLastSeen: withUsers.userSize,
    // Both stores, emptied (members after the horizon, users after lastSeenMs), against the heap before them.
    emptiedStoresKB: round((forgottenHeap - base) / 1024),
    channelsLeft: without.channelCount + withUsers.channelCount,
  };
}

/** Both figures (run in a child with --expose-gc: see run.mjs). */
export async function benchUsers({ rounds = 9, count = 2000, users = 100_000, channels = 1000, profile } = {}) {
  // 5000 clients: each member is its user's only presence (every join is a user.join and a user.online): the
  // upper bound. 20 clients: each user is in several channels at once (user.join / user.leave per member,
  // user.online / user.offline rarely).
  const worst = await cpu({ rounds, count, clients: 5000, profile });
  const spread = await cpu({ rounds, count, clients: 20, profile });
  return { cpu: worst, cpuSpread: spread, memory: await memory({ users, channels }) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  const result = await benchUsers(JSON.parse(process.argv[2] ?? '{}'));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
