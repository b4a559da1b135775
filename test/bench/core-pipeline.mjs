// Core pipeline without HTTP: verify + decode + normalise + merge, against JSON.parse alone on the same bodies.
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { decode } from '@msgpack/msgpack';
import { BENCH_KEY, presenceBodies } from './fixtures.mjs';

const utf8 = new TextDecoder();

async function pipeline(bodies) {
  const receiver = createReceiver({ ably: { keys: [BENCH_KEY] }, store: new MemoryStore() });
  const t0 = process.hrtime.bigint();
  for (const { headers, body } of bodies) {
    const res = await receiver.handle({ method: 'POST', headers, body });
    if (res.status !== 200) throw new Error(`pipeline answered ${res.status}: ${res.body}`);
  }
  await receiver.idle();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function floor(bodies, format) {
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (const { body } of bodies) sink += format === 'json' ? JSON.parse(utf8.decode(body)).items.length : decode(body).items.length;
  if (sink === 0) throw new Error('empty bodies');
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function benchCorePipeline({ rounds = 7, count = 2000, perItem = 1 } = {}) {
  const results = [];
  for (const format of ['json', 'msgpack']) {
    const events = count * 10 * perItem;
    const pipeMs = [];
    const floorMs = [];
    for (let r = 0; r < rounds; r++) {
      // Fresh bodies each round so every event is new to a fresh store (no duplicate fast path).
      const bodies = presenceBodies({ count, perItem, format, start: r * events });
      floorMs.push(floor(bodies, format));
      pipeMs.push(await pipeline(bodies));
    }
    const med = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const p = med(pipeMs.slice(1));
    const f = med(floorMs.slice(1));
    results.push({ format, events, pipelineMs: p, floorMs: f, eventsPerSec: Math.round((events / p) * 1000), ratioToParse: p / f });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await benchCorePipeline());
}
