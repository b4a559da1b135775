// MemoryStore bytes per present member at 1M members across 10k channels, and heap after the
// tombstone horizon passes. Run with --expose-gc (run.mjs does).
import { MemoryStore, ablyOrderKey } from '@presence-webhooks/core';

function gcHeap() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

function events(channel, from, count, present, ts) {
  const out = [];
  for (let i = from; i < from + count; i++) {
    const connectionId = `c${i.toString(36).padStart(8, '0')}`;
    const clientId = `user-${i}`;
    const id = `${connectionId}:${present ? 0 : 1}:0`;
    const event = {
      provider: 'ably',
      channel,
      memberKey: `${connectionId}:${clientId}`,
      present,
      member: { clientId, connectionId, timestamp: ts },
      order: ablyOrderKey(id, connectionId, ts, !present),
    };
    if (!present) event.reason = 'leave';
    out.push(event);
  }
  return out;
}

export async function benchMemory({ members = 1_000_000, channels = 10_000 } = {}) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  let now = 1_700_000_000_000;
  const horizon = 60_000;
  const perChannel = members / channels;
  const baseline = gcHeap();
  const store = new MemoryStore({ tombstoneHorizonMs: horizon, now: () => now });
  for (let c = 0; c < channels; c++) store.applySync(events(`channel-${c}`, c * perChannel, perChannel, true, now));
  const full = gcHeap();
  const bytesPerMember = (full - baseline) / members;
  // Everyone leaves: tombstones are kept for the horizon, then collected.
  now += 1000;
  for (let c = 0; c < channels; c++) store.applySync(events(`channel-${c}`, c * perChannel, perChannel, false, now));
  const withTombstones = gcHeap();
  now += horizon + 1;
  store.sweep();
  const afterHorizon = gcHeap();
  const liveAfter = await store.channels();
  return {
    members,
    channels,
    bytesPerMember: Math.round(bytesPerMember),
    heapFullMB: +((full - baseline) / 2 ** 20).toFixed(1),
    heapWithTombstonesMB: +((withTombstones - baseline) / 2 ** 20).toFixed(1),
    heapAfterHorizonMB: +((afterHorizon - baseline) / 2 ** 20).toFixed(1),
    liveChannelsAfter: liveAfter.length,
    statesHeldAfter: store.size,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table([await benchMemory()]);
}
