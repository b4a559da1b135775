// The cost of observing a receiver: receiver.handle() on signed 10-item Ably batches (as in the core
// section), a plain receiver against one with @presence-webhooks/prometheus collecting (its tracing
// channels subscribed: handle and store.apply traced, the delivery lag observed). Rounds alternate;
// the first is a warm-up; medians. Run after `pnpm -s build`:  node test/bench/observe.mjs
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { collectPresenceMetrics } from '@presence-webhooks/prometheus';
import { Registry } from 'prom-client';
import { BENCH_KEY, presenceBodies } from './fixtures.mjs';
import { median, msSince, round } from './stats.mjs';

async function run(bodies, observed) {
  const receiver = createReceiver({ ably: { keys: [BENCH_KEY] }, store: new MemoryStore() });
  const metrics = observed ? collectPresenceMetrics(receiver, { registry: new Registry() }) : undefined;
  const t0 = process.hrtime.bigint();
  for (const request of bodies) {
    const res = await receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/' });
    if (res.status !== 200) throw new Error(`answered ${res.status}`);
    await receiver.idle();
  }
  const ms = msSince(t0);
  metrics?.close();
  await receiver.close();
  return ms;
}

const rounds = Number(process.env.ROUNDS ?? 9);
const bodies = presenceBodies({ count: Number(process.env.COUNT ?? 2000), format: 'json' });
const plain = [];
const observed = [];
for (let r = 0; r < rounds; r++) {
  plain.push(await run(bodies, false));
  observed.push(await run(bodies, true));
}
const p = median(plain.slice(1));
const o = median(observed.slice(1));
console.log(`plain receiver: ${round(p)} ms; with prometheus collecting: ${round(o)} ms; ratio observed/plain: ${round(o / p, 3)}`);
