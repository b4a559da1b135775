// The Pusher pipeline without HTTP: receiver.handle() on signed Pusher webhooks (verify the hex
// HMAC over the raw bytes + JSON decode + normalise + queue + merge into a MemoryStore + emit),
// against the Ably pipeline on the same number of presence events in the same run (signed 10-item
// batches), and against the floor: JSON.parse of the same Pusher bodies. Rounds alternate; the first
// is a warm-up; figures are medians. Each round uses a fresh receiver and store.
//
//   pnpm build && node test/bench/pusher-pipeline.mjs [requests=2000] [events-per-body=10]
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { PUSHER_APP_KEY, PUSHER_APP_SECRET, pusherMemberEvent, pusherRequest } from '@presence-webhooks/testing/builders';
import { BENCH_KEY, presenceBodies } from './fixtures.mjs';
import { median, msSince, round } from './stats.mjs';

const count = Number(process.argv[2] ?? 2000);
const perBody = Number(process.argv[3] ?? 10);
const rounds = 7;
const utf8 = new TextDecoder();
/** Provider times of a few minutes ago: older ones are stale for a receiver (its horizon, 10 minutes). */
const T0 = Date.now() - 5 * 60_000;

function pusherBodies() {
  const out = [];
  for (let i = 0; i < count; i++) {
    const events = Array.from({ length: perBody }, (_, k) =>
      pusherMemberEvent('member_added', `presence-room-${i % 50}`, `user-${i}-${k}`),
    );
    out.push(pusherRequest(T0 + i, events));
  }
  return out;
}

async function pipeline(options, bodies) {
  const receiver = createReceiver({ ...options, store: new MemoryStore() });
  let joins = 0;
  receiver.on('join', () => void joins++);
  const t0 = process.hrtime.bigint();
  for (const request of bodies) {
    const res = await receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/webhooks' });
    if (res.status !== 200) throw new Error(`answered ${res.status}: ${res.body}`);
    await receiver.idle();
  }
  const ms = msSince(t0);
  await receiver.close();
  return { ms, joins };
}

function floor(bodies) {
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (const { body } of bodies) sink += JSON.parse(utf8.decode(body)).events.length;
  if (sink === 0) throw new Error('empty bodies');
  return msSince(t0);
}

const pusher = pusherBodies();
const ably = presenceBodies({ count: (count * perBody) / 10, format: 'json' });
const events = count * perBody;
const times = { pusher: [], ably: [], floor: [] };
for (let r = 0; r < rounds; r++) {
  times.floor.push(floor(pusher));
  const p = await pipeline({ pusher: { keys: [{ key: PUSHER_APP_KEY, secret: PUSHER_APP_SECRET }] } }, pusher);
  if (p.joins !== events) throw new Error(`pusher: ${p.joins} joins for ${events} events`);
  times.pusher.push(p.ms);
  times.ably.push((await pipeline({ ably: { keys: [BENCH_KEY] } }, ably)).ms);
}
const [p, a, f] = [median(times.pusher.slice(1)), median(times.ably.slice(1)), median(times.floor.slice(1))];
console.log(
  `${events} presence events, ${count} Pusher bodies of ${perBody} (Ably: ${ably.length} batches of 10), medians of ${rounds - 1} rounds`,
);
console.log(`  Pusher pipeline: ${round(p, 1)} ms (${round(events / (p / 1000))} events/s)`);
console.log(`  Ably pipeline:   ${round(a, 1)} ms -> Pusher / Ably = x${round(p / a, 2)}`);
console.log(`  JSON.parse floor of the Pusher bodies: ${round(f, 1)} ms -> pipeline / floor = x${round(p / f, 1)}`);
