// Section: a flat cost as work grows. The per-event cost of receiver.handle() + merge (verify,
// decode, normalise, queue, MemoryStore merge, emit) on the same kind of bodies as the other
// sections, with 0, 1M and 5M member states already held by the store (half present members,
// half tombstones, on the same 100 channels the bodies use, so the maps the merge looks members up
// in are as large as the store). Every size gets its own store, all in this one child process
// (started by run.mjs with a large enough heap); rounds alternate the sizes, the first warms up,
// figures are process CPU time per event, medians over the rounds.
//
//   node --max-old-space-size=6144 test/bench/flat.mjs '{"sizes":[0,1000000,5000000]}'
//
// Prints one JSON line: per size, µs per event (median over rounds) and the ratio to size 0.
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { ablyOrderKey } from '../../packages/core/dist/order-key.js';
import { BENCH_KEY, presenceBodies } from './fixtures.mjs';
import { median, msSince, round } from './stats.mjs';

const CHANNELS = 100;

/** Fill `store` with `n` states: even i present, odd i a tombstone (entered, then left). */
function preload(store, n) {
  const batch = [];
  const flush = () => {
    store.applySync(batch);
    batch.length = 0;
  };
  const ts = 1_600_000_000_000; // before every body's timestamps
  for (let i = 0; i < n; i++) {
    const connectionId = `pre${i.toString(36)}`;
    const clientId = `held-${i % 50_000}`;
    const channel = `room-${i % CHANNELS}`;
    const memberKey = `${connectionId}:${clientId}`;
    const enterId = `${connectionId}:0:0`;
    batch.push({
      provider: 'ably',
      channel,
      memberKey,
      present: true,
      member: { clientId, connectionId, timestamp: ts, data: { status: 'online' } },
      order: ablyOrderKey(enterId, connectionId, ts, false),
    });
    if (i % 2 === 1) {
      const leaveId = `${connectionId}:1:0`;
      batch.push({
        provider: 'ably',
        channel,
        memberKey,
        present: false,
        reason: 'leave',
        member: { clientId, connectionId, timestamp: ts + 1 },
        order: ablyOrderKey(leaveId, connectionId, ts + 1, true),
      });
    }
    if (batch.length >= 10_000) flush();
  }
  flush();
}

/** CPU time (user + system, µs) of handling `bodies` one after another, each applied before the next. */
async function timeHandle(receiver, bodies) {
  const cpu0 = process.cpuUsage();
  for (const request of bodies) {
    const res = await receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/webhooks' });
    if (res.status !== 200) throw new Error(`handle answered ${res.status}: ${res.body}`);
    await receiver.idle();
  }
  const cpu = process.cpuUsage(cpu0);
  return cpu.user + cpu.system;
}

function makeReceiver() {
  const store = new MemoryStore();
  const receiver = createReceiver({ ably: { keys: [BENCH_KEY] }, store });
  const counter = { changes: 0 };
  for (const name of ['join', 'update', 'leave']) receiver.on(name, () => void counter.changes++);
  return { store, receiver, counter };
}

/**
 * @param {{ sizes?: number[], rounds?: number, count?: number }} options
 *   count: requests (of 10 events) timed per round and size.
 */
export async function benchFlat({ sizes = [0, 1_000_000, 5_000_000], rounds = 5, count = 1000 } = {}) {
  // One slice of bodies per round (each continues the sequence, so it is new to every store),
  // plus one to warm up. Process CPU time, not wall time: other load on the machine moves it less.
  const slices = rounds + 1;
  const bodies = presenceBodies({ count: count * slices });
  const slice = (r) => bodies.slice(r * count, (r + 1) * count);
  const setups = [];
  for (const size of sizes) {
    const setup = { size, ...makeReceiver(), perEventUs: [] };
    const t0 = process.hrtime.bigint();
    preload(setup.store, size);
    setup.preloadS = msSince(t0) / 1000;
    setup.held = setup.store.size;
    setups.push(setup);
  }
  globalThis.gc?.();
  const heapMB = process.memoryUsage().heapUsed / 2 ** 20;
  // Rounds alternate the sizes (every store sees the same machine load and JIT state); round 0 warms up.
  for (let r = 0; r < slices; r++) {
    for (const setup of setups) {
      const us = await timeHandle(setup.receiver, slice(r));
      if (r > 0) setup.perEventUs.push(us / (count * 10));
    }
  }
  const rows = setups.map((s) => {
    if (s.counter.changes !== count * slices * 10)
      throw new Error(`size ${s.size}: ${s.counter.changes} changes for ${count * slices * 10} events`);
    return {
      held: s.held,
      preloadS: round(s.preloadS, 1),
      usPerEvent: round(median(s.perEventUs), 3),
      rounds: s.perEventUs.map((x) => round(x, 3)),
    };
  });
  for (const s of setups) await s.receiver.close();
  const base = rows[0].usPerEvent;
  // Each round's ratio of the largest store to the smallest (measured back to back), median over rounds.
  const largest = setups[setups.length - 1];
  const largestToSmallest = round(median(largest.perEventUs.map((x, i) => x / setups[0].perEventUs[i])), 3);
  for (const row of rows) row.ratioToSmallest = round(row.usPerEvent / base, 3);
  return { rows, largestToSmallest, eventsPerRound: count * 10, heapMB: round(heapMB) };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const result = await benchFlat(JSON.parse(process.argv[2] ?? '{}'));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
