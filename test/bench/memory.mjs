// Section 4: MemoryStore memory. Bytes per present member at 1M members across 10k channels
// (heap growth after full GCs, divided by members); then half of every channel leaves, the
// tombstones are held for the horizon, and once it has passed the heap must come back to the size
// of the live set (the members still present). Needs --expose-gc: run.mjs runs this file in a child
// process (`node --expose-gc memory.mjs '<options json>'`), so the heap holds nothing else.
import { MemoryStore } from '@presence-webhooks/core';
import { ablyOrderKey } from '../../packages/core/dist/presence/order.js';

function gcHeap() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** Events of one channel for members [from, from + count): enters (with `data` when given) or leaves. */
function events(channel, from, count, present, ts, data) {
  const out = [];
  for (let i = from; i < from + count; i++) {
    const connectionId = `c${i.toString(36).padStart(8, '0')}`;
    const clientId = `user-${i}`;
    const id = `${connectionId}:${present ? 0 : 1}:0`;
    const member = { clientId, connectionId, timestamp: ts };
    if (present && data !== undefined) member.data = { ...data };
    const event = { provider: 'ably', channel, memberKey: `${connectionId}:${clientId}`, present, member, order: ablyOrderKey(id, connectionId, ts, !present) };
    if (!present) event.reason = 'leave';
    out.push(event);
  }
  return out;
}

const MB = 2 ** 20;
const mb = (bytes) => Math.round((bytes / MB) * 10) / 10;

/**
 * Members carry no data by default: the figure is the store's own cost per member (a member's data
 * is the application's payload and costs what it weighs; pass `data` to include one).
 */
export async function benchMemory({ members = 1_000_000, channels = 10_000, data } = {}) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  let now = 1_700_000_000_000;
  const horizon = 60_000;
  const perChannel = Math.floor(members / channels);
  const total = perChannel * channels;
  const leaving = Math.floor(perChannel / 2);
  const baseline = gcHeap();
  const store = new MemoryStore({ tombstoneHorizonMs: horizon, now: () => now });
  for (let c = 0; c < channels; c++) store.applySync(events(`channel-${c}`, c * perChannel, perChannel, true, now, data));
  const full = gcHeap() - baseline;
  const bytesPerMember = full / total;

  // Half of every channel leaves: their tombstones are kept for the horizon, then collected.
  now += 1000;
  for (let c = 0; c < channels; c++) store.applySync(events(`channel-${c}`, c * perChannel, leaving, false, now));
  const withTombstones = gcHeap() - baseline;
  now += horizon + 1;
  store.sweep();
  const afterHorizon = gcHeap() - baseline;
  const live = total - leaving * channels;
  let occupancy = 0;
  for (let c = 0; c < channels; c++) occupancy += await store.occupancy(`channel-${c}`);
  if (occupancy !== live || store.size !== live) throw new Error(`after the horizon the store holds ${store.size} states, ${occupancy} present; expected ${live}`);

  // The live set on its own: a store that only ever held the members still present.
  const liveBaseline = gcHeap();
  const fresh = new MemoryStore({ tombstoneHorizonMs: horizon, now: () => now });
  for (let c = 0; c < channels; c++) fresh.applySync(events(`channel-${c}`, c * perChannel + leaving, perChannel - leaving, true, now, data));
  const liveSet = gcHeap() - liveBaseline;
  if ((await fresh.occupancy('channel-0')) !== perChannel - leaving) throw new Error('live-set store is wrong');

  return {
    members: total,
    channels,
    bytesPerMember: Math.round(bytesPerMember),
    heapFullMB: mb(full),
    leftMembers: leaving * channels,
    heapWithTombstonesMB: mb(withTombstones),
    heapAfterHorizonMB: mb(afterHorizon),
    liveMembers: live,
    liveSetMB: mb(liveSet),
    afterHorizonToLiveSet: Math.round((afterHorizon / liveSet) * 100) / 100,
    statesHeldAfter: store.size,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchMemory(JSON.parse(process.argv[2] ?? '{}'));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
