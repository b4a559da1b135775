// Standalone (not a run.mjs section): what RedisStore's apply script costs Redis per event through one receiver,
// user levels on and off, on a redis-server of its own (redis-server on PATH; valgrind for --callgrind), so that
// nobody else's commands are counted. Real-shaped deliveries (redis-real.mjs: 25 items of one presence message
// each over 2000 channels) as signed Ably bodies into receiver.handle() (ack 'after-store', `inFlight` unsettled).
//   pnpm build && node test/bench/redis-script-cost.mjs [--rounds=3] [--deliveries=2000] [--inFlight=64]
//     [--store=<another build's packages/redis/dist/index.js>,...] (A/B: each store in turn, rounds alternating)
//     [--commands] (also prints the commands Redis ran per event, the scripts' own included)
//   node test/bench/redis-script-cost.mjs --callgrind [--warm=300] [--deliveries=300] [--inFlight=16]
//     [--users=on|off] (only that variant) [--keep=<path>] (keeps each variant's callgrind output as <path>.on.N / <path>.off.N, for callgrind_annotate)
// Either mode: [--feed=on|off] (only that variant; default both): the store with its change feed (`feed: {}`, the
// receiver emitting once: each delivery's changes acknowledged after it, feed-ack.lua counted with apply.lua) or without.
// Without --callgrind: per variant, the median over rounds of µs per EVALSHA and per event (INFO commandstats, the
// server's own timing of each call), Redis main-thread CPU µs per event (INFO cpu) and the receiver's events/s; and
// how the receiver keeps Redis fed: the share of the run with an apply call out (made, not yet answered; the feed's
// acknowledgements are calls of their own, not timed), the shares of the run Redis's main thread and the receiver's
// event loop were busy, the events per apply call, and each apply call's parts (see timeCalls).
// With --callgrind: each variant on a fresh redis-server under `valgrind --tool=callgrind`, instrumented only while
// `deliveries` are handed over after `warm` unmeasured ones, counted only inside the scripts (evalGenericCommand: not
// the event loop, nor serverCron, which runs by the clock): the scripts' instructions per event, whatever the load.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createReceiver } from '@presence-webhooks/core';
import { BENCH_KEY } from './bench-key.mjs';
import { handBodies, realShapedDeliveries, signedBodies } from './redis-real.mjs';
import { commandStats, redisCpu } from './redis.mjs';
import { callgrindInstrument, callgrindTotal } from './callgrind.mjs';
import { connect as connectTo, startServer as startOwnServer, stopServer } from './redis-server-own.mjs';
import { median, msSince, round } from './stats.mjs';

const args = process.argv.slice(2);
const value = (name, fallback) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? fallback : a.slice(name.length + 3);
};
const callgrind = args.includes('--callgrind');
const rounds = Number(value('rounds', callgrind ? 1 : 3));
const deliveries = Number(value('deliveries', callgrind ? 300 : 2000));
const warm = Number(value('warm', callgrind ? 300 : 200));
const inFlight = Number(value('inFlight', callgrind ? 16 : 64));
const items = 25;
const storePaths = value('store', '')
  .split(',')
  .filter((p) => p !== '');
const stores = [
  { label: 'this build', module: '@presence-webhooks/redis' },
  ...storePaths.map((p) => ({ label: p, module: pathToFileURL(resolve(p)).href })),
];
const port = Number(value('port', 16391 + Math.floor(Math.random() * 200)));
const dir = mkdtempSync(join(tmpdir(), 'pw-script-cost-'));

const startServer = (underCallgrind) => startOwnServer({ port, dir, underCallgrind });
const connect = () => connectTo(port);

/** Hand `bodies[from..to)` to one receiver, `inFlight` unsettled at once, then wait for it to be idle. */
async function handAll(receiver, bodies, from, to) {
  await handBodies(receiver, bodies, inFlight, from, to);
  await receiver.idle?.();
}

const batches = realShapedDeliveries({ deliveries: warm + deliveries, items, channels: 2000 });
const bodies = signedBodies(batches);
const variants = [];
for (const store of stores) {
  const { RedisStore } = await import(store.module);
  for (const feed of [false, true])
    for (const users of [true, false])
      if (value('users', users ? 'on' : 'off') === (users ? 'on' : 'off') && value('feed', feed ? 'on' : 'off') === (feed ? 'on' : 'off'))
        variants.push({ label: `${store.label}, users ${users ? 'on' : 'off'}, feed ${feed ? 'on' : 'off'}`, RedisStore, users, feed });
}

/**
 * Times `store.apply` calls: how long at least one was out (made, not answered), how many, how many events; and,
 * where the store's internals are as this build's (the script's method on `scripts`, `callsOf`), each call's parts:
 * encoding, from the script call to its answer, and from the answer to apply's return.
 */
function timeCalls(store) {
  const timed = { outMs: 0, calls: 0, events: 0, encodeMs: 0, sentMs: 0, afterMs: 0, parts: false };
  const scripts = store.scripts;
  if (typeof store.callsOf === 'function' && typeof scripts?.presenceWebhooksApplyBuffer === 'function') {
    timed.parts = true;
    const callsOf = store.callsOf.bind(store);
    store.callsOf = (...args) => {
      const t = performance.now();
      const calls = callsOf(...args);
      timed.encodeMs += performance.now() - t;
      return calls;
    };
    const script = scripts.presenceWebhooksApplyBuffer.bind(scripts);
    scripts.presenceWebhooksApplyBuffer = (...args) => {
      const t = performance.now();
      const answer = script(...args);
      answer.then(
        () => {
          const now = performance.now();
          timed.sentMs += now - t;
          timed.answeredAt = now;
        },
        () => undefined,
      );
      return answer;
    };
  }
  let out = 0;
  let since = 0;
  const apply = store.apply.bind(store);
  store.apply = async (events, options) => {
    if (out++ === 0) since = performance.now();
    timed.calls++;
    timed.events += events.length;
    try {
      return await apply(events, options);
    } finally {
      const now = performance.now();
      if (timed.answeredAt !== undefined) timed.afterMs += now - timed.answeredAt;
      timed.answeredAt = undefined;
      if (--out === 0) timed.outMs += now - since;
    }
  };
  return timed;
}

/** One variant on `client`: warm-up deliveries, then the measured ones; `measure(fn, timed)` wraps the measured part. */
async function runVariant(variant, client, prefix, measure) {
  // Under callgrind a call of a full batch (up to 1024 events) outlasts the default command timeout.
  const store = new variant.RedisStore({
    client,
    prefix,
    ...(variant.feed ? { feed: {} } : {}),
    ...(callgrind ? { commandTimeoutMs: 120_000 } : {}),
  });
  const receiver = createReceiver({
    ably: { keys: [BENCH_KEY] },
    store,
    ack: 'after-store',
    ackTimeoutMs: 120_000, // a Redis under callgrind runs many times slower
    onError: () => undefined,
    ...(variant.users ? {} : { users: false }),
  });
  let changes = 0;
  for (const name of ['join', 'update', 'leave']) receiver.on(name, () => void changes++);
  let userChanges = 0;
  if (variant.users)
    for (const name of ['user.join', 'user.leave', 'user.online', 'user.offline']) receiver.on(name, () => void userChanges++);
  await handAll(receiver, bodies, 0, warm);
  const timed = callgrind ? undefined : timeCalls(store); // callgrind counts Redis's instructions only
  const result = await measure(() => handAll(receiver, bodies, warm, warm + deliveries), timed);
  await receiver.close();
  if (changes !== (warm + deliveries) * items)
    throw new Error(`${variant.label}: ${changes} changes for ${(warm + deliveries) * items} events`);
  if (variant.users) userChangesPerEvent = userChanges / ((warm + deliveries) * items);
  return result;
}

const events = deliveries * items;
let userChangesPerEvent = 0;
try {
  if (callgrind) {
    for (const variant of variants) {
      const child = startServer(true);
      const admin = await connect();
      const client = await connect();
      const out = join(dir, 'callgrind.out');
      await runVariant(variant, client, 'pw-cost', async (work) => {
        callgrindInstrument(child.pid, true);
        await work();
        callgrindInstrument(child.pid, false);
      });
      client.disconnect();
      await stopServer(child, admin);
      const total = callgrindTotal(out);
      const keep = value('keep', '');
      if (keep !== '') execFileSync('cp', [out, `${keep}.${variant.users ? 'on' : 'off'}.${variants.indexOf(variant)}`]);
      rmSync(out, { force: true });
      console.log(
        `${variant.label}: ${round(total / events / 1000, 1)}k Redis instructions per event (${round(total / 1e6)}M for ${events} events)` +
          (variant.users ? `; ${round(userChangesPerEvent, 2)} user-level changes per event` : ''),
      );
    }
  } else {
    const child = startServer(false);
    const admin = await connect();
    const client = await connect();
    const figures = new Map(
      variants.map((v) => [
        v.label,
        {
          usPerCall: [],
          usPerEvent: [],
          cpuUsPerEvent: [],
          eventsPerSec: [],
          callOut: [],
          parts: [],
          redisBusy: [],
          clientBusy: [],
          eventsPerCall: [],
          commands: {},
        },
      ]),
    );
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        const f = figures.get(variant.label);
        await runVariant(variant, client, `pw-cost-${r}`, async (work, timed) => {
          const s0 = await commandStats(admin);
          const c0 = await redisCpu(admin);
          const t0 = process.hrtime.bigint();
          const loop0 = performance.eventLoopUtilization();
          await work();
          const ms = msSince(t0);
          f.clientBusy.push(performance.eventLoopUtilization(loop0).utilization);
          const s1 = await commandStats(admin);
          const c1 = await redisCpu(admin);
          const usec = (s1['evalsha.usec'] ?? 0) - (s0['evalsha.usec'] ?? 0);
          f.usPerCall.push(usec / ((s1.evalsha ?? 0) - (s0.evalsha ?? 0)));
          f.usPerEvent.push(usec / events);
          f.cpuUsPerEvent.push(((c1 - c0) * 1e6) / events);
          f.eventsPerSec.push((events / ms) * 1000);
          f.callOut.push(timed.outMs / ms);
          f.redisBusy.push(((c1 - c0) * 1000) / ms);
          f.eventsPerCall.push(timed.events / timed.calls);
          if (timed.parts) f.parts.push([timed.encodeMs, timed.sentMs, timed.afterMs].map((x) => x / timed.calls));
          for (const [name, n] of Object.entries(s1))
            if (name !== 'info' && !name.endsWith('.usec') && n > (s0[name] ?? 0))
              f.commands[name] = round((n - (s0[name] ?? 0)) / events, 3);
        });
        await admin.flushall();
      }
    }
    client.disconnect();
    await stopServer(child, admin);
    for (const [label, f] of figures) {
      const list = (xs, d) => xs.map((x) => round(x, d)).join(' ');
      console.log(
        `${label}: evalsha ${round(median(f.usPerCall), 1)} µs/call, ${round(median(f.usPerEvent), 2)} µs/event (rounds: ${list(f.usPerEvent, 2)}); ` +
          `Redis CPU ${round(median(f.cpuUsPerEvent), 2)} µs/event; receiver ${round(median(f.eventsPerSec))} events/s (rounds: ${list(f.eventsPerSec, 0)})`,
      );
      console.log(
        `  an apply call out ${round(median(f.callOut) * 100)} % of the run; busy: Redis's main thread ${round(median(f.redisBusy) * 100)} % of the run, ` +
          `the receiver's event loop ${round(median(f.clientBusy) * 100)} %; ` +
          `${round(median(f.eventsPerCall))} events per apply call`,
      );
      if (f.parts.length > 0) {
        const part = (i) => round(median(f.parts.map((p) => p[i])), 2);
        console.log(
          `  per apply call: encoding ${part(0)} ms, script call to answer ${part(1)} ms (Redis's scripts ${round((median(f.usPerEvent) * median(f.eventsPerCall)) / 1000, 2)} ms, with the feed its acknowledgements too), answer to apply's return ${part(2)} ms`,
        );
      }
      if (args.includes('--commands'))
        console.log(`  commands per event (the last round, the script's own included): ${JSON.stringify(f.commands)}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
