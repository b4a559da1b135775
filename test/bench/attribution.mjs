// Where a delivery's CPU goes inside core, step by step, on the ingest section's bodies (no HTTP):
// each variant does one more step than the one before it, on the same bodies; rounds alternate
// the variants; figures are process CPU µs per request, medians over the rounds (the first warms up).
//
//   node test/bench/attribution.mjs [count=2000] [rounds=7]
//
//   floor      HMAC (KeyObject) + timingSafeEqual + JSON.parse(utf8) of the body
//   pipeline   receiver's pipeline.run: limits, authenticate, parse (guarded), normalise
//   +merge     + MemoryStore.applySync into a fresh store
//   +emit      + changePayload and dispatch to join / update / leave listeners
//   handle     receiver.handle() + idle() per request, as the core section runs it (adds the
//              delivery queue, promises, the 200 answer)
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { changePayload } from '../../packages/core/dist/emitter.js';
import { BENCH_KEY, presenceBodies } from './fixtures.mjs';
import { median, round } from './stats.mjs';

const [count = 2000, rounds = 7] = process.argv.slice(2).map(Number);
const bodies = presenceBodies({ count });
const secret = createSecretKey(Buffer.from(BENCH_KEY.slice(BENCH_KEY.indexOf(':') + 1)));
const utf8 = new TextDecoder('utf-8', { fatal: true });
const requests = bodies.map(({ headers, body }) => ({ method: 'POST', headers, body, url: '/webhooks' }));

function fresh() {
  const store = new MemoryStore();
  const receiver = createReceiver({ ably: { keys: [BENCH_KEY] }, store });
  let n = 0;
  for (const name of ['join', 'update', 'leave']) receiver.on(name, () => void n++);
  // The receiver's own pipeline and emitter (internals: the front holds the pipeline since the one-writer split).
  return { store, receiver, emitter: receiver.emitter, pipeline: receiver.front.parts.pipeline };
}

const variants = {
  floor() {
    for (const { headers, body } of requests) {
      const signature = Buffer.from(headers['x-ably-signature'], 'base64');
      const expected = createHmac('sha256', secret).update(body).digest();
      if (!timingSafeEqual(expected, signature)) throw new Error('bad signature');
      JSON.parse(utf8.decode(body));
    }
  },
  pipeline() {
    const { pipeline } = fresh();
    for (const request of requests) pipeline.run(request);
  },
  '+merge'() {
    const { pipeline, store } = fresh();
    for (const request of requests) store.applySync(pipeline.run(request).presence);
  },
  '+emit'() {
    const { pipeline, store, emitter } = fresh();
    const failures = [];
    const pending = [];
    for (const request of requests) {
      for (const change of store.applySync(pipeline.run(request).presence)) {
        emitter.dispatch(change.type, changePayload(change), failures, pending);
      }
    }
  },
  async handle() {
    const { receiver } = fresh();
    for (const request of requests) {
      await receiver.handle(request);
      await receiver.idle();
    }
  },
};

const cpu = {};
for (const name of Object.keys(variants)) cpu[name] = [];
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(variants)) {
    const c0 = process.cpuUsage();
    await run();
    const c = process.cpuUsage(c0);
    if (r > 0) cpu[name].push((c.user + c.system) / count);
  }
}
let previous;
const rows = Object.entries(cpu).map(([step, xs]) => {
  const us = median(xs);
  const row = {
    step,
    'µs/request': round(us, 2),
    'step adds µs': previous === undefined ? undefined : round(us - previous, 2),
    '÷ floor': round(us / median(cpu.floor), 3),
  };
  previous = us;
  return row;
});
console.table(rows);
