// Section 2: the core pipeline without HTTP. receiver.handle() on signed 10-item Ably batches
// (verify + decode + normalise + queue + merge into a MemoryStore + emit to join/update/leave
// listeners), against the floor: decoding the same bodies alone (JSON.parse of the UTF-8 text, or
// MsgPack decode). Rounds alternate floor and pipeline; the first round is a warm-up; figures are
// medians. Every round uses a fresh receiver and store, so every event is new to it.
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { decode } from '@msgpack/msgpack';
import { BENCH_KEY, presenceBodies } from './fixtures.mjs';
import { median, msSince, round } from './stats.mjs';
import { profiled } from './profile.mjs';

const utf8 = new TextDecoder();

async function pipeline(bodies) {
  const receiver = createReceiver({ ably: { keys: [BENCH_KEY] }, store: new MemoryStore() });
  let changes = 0;
  for (const name of ['join', 'update', 'leave']) receiver.on(name, () => void changes++);
  const t0 = process.hrtime.bigint();
  for (const request of bodies) {
    const res = await receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/webhooks' });
    if (res.status !== 200) throw new Error(`pipeline answered ${res.status}: ${res.body}`);
    // Each delivery applied and emitted before the next, as when requests arrive one per I/O
    // callback. (Without it this loop, which needs one microtask per request, outruns the
    // delivery queue, and the backlog of queued deliveries makes every scavenge expensive.)
    await receiver.idle();
  }
  const ms = msSince(t0);
  return { ms, changes };
}

function floor(bodies, format) {
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (const { body } of bodies) sink += format === 'json' ? JSON.parse(utf8.decode(body)).items.length : decode(body).items.length;
  if (sink === 0) throw new Error('empty bodies');
  return msSince(t0);
}

/**
 * @param {{ rounds?: number, count?: number, formats?: string[], profile?: string }} options
 *   count: requests of 10 items (one presence message each) per round; profile: a directory to
 *   write a CPU profile of the timed pipeline runs to.
 */
export async function benchCorePipeline({ rounds = 9, count = 2000, formats = ['json', 'msgpack'], profile } = {}) {
  const results = [];
  for (const format of formats) {
    const bodies = presenceBodies({ count, format });
    const events = count * 10;
    const pipeMs = [];
    const floorMs = [];
    let changes = 0;
    for (let r = 0; r < rounds; r++) {
      floorMs.push(floor(bodies, format));
      const run = await profiled(profile, `core-${format}-${r}`, r === rounds - 1, () => pipeline(bodies));
      pipeMs.push(run.ms);
      changes = run.changes;
    }
    if (changes !== events) throw new Error(`${format}: ${changes} changes emitted for ${events} events`);
    const p = median(pipeMs.slice(1));
    const f = median(floorMs.slice(1));
    // The ratio of each round's pipeline to the floor measured just before it (both see the same
    // machine load), median over the rounds.
    const ratio = median(pipeMs.slice(1).map((ms, i) => ms / floorMs[i + 1]));
    results.push({
      format,
      events,
      bodyBytes: Math.round(bodies.reduce((n, b) => n + b.body.length, 0) / bodies.length),
      pipelineMs: round(p, 1),
      floorMs: round(f, 1),
      eventsPerSec: round((events / p) * 1000),
      floorEventsPerSec: round((events / f) * 1000),
      usPerRequest: round((p * 1000) / count, 1),
      floorUsPerRequest: round((f * 1000) / count, 1),
      ratioToParse: round(ratio, 2),
    });
  }
  return results;
}
