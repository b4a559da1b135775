// Section 4: MemoryStore memory. Bytes per present member at 1M members across 10k channels
// (heap growth after full GCs, divided by members); then half of every channel leaves, the
// tombstones are held for the horizon, and once it has passed the heap must come back to the size
// of the live set (the members still present). Then dead channels: 200k PubNub channels (every
// event carries a reported occupancy) whose member joined and left; after the horizon and an expiry
// the heap must be back to that of an empty store (measured in the same run). Needs --expose-gc: run.mjs runs this file in a child
// process (`node --expose-gc memory.mjs '<options json>'`), so the heap holds nothing else.
import { MemoryStore } from '@presence-webhooks/core';
import { ablyOrderKey } from '../../packages/core/dist/order-key.js';

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
    const event = {
      provider: 'ably',
      channel,
      memberKey: `${connectionId}:${clientId}`,
      present,
      member,
      order: ablyOrderKey(id, connectionId, ts, !present),
    };
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
/** A PubNub event: one uuid, ordered by timestamp, with the occupancy PubNub reports. */
function pubnubEvent(channel, present, timestamp, occupancy) {
  const event = {
    provider: 'pubnub',
    channel,
    memberKey: 'uuid-1',
    present,
    member: { clientId: 'uuid-1', timestamp },
    order: { ts: timestamp, serial: -1, index: -1, rank: present ? 0 : 2, id: `${channel}:${timestamp}` },
    reported: { occupancy, timestamp },
  };
  if (!present) event.reason = 'leave';
  return event;
}

/** Heap of `deadChannels` PubNub channels joined and left, while held and after the horizon, against an empty store. */
function benchDeadChannels(deadChannels) {
  let now = 1_700_000_000_000;
  const horizon = 60_000;
  const emptyBaseline = gcHeap();
  const store = new MemoryStore({ tombstoneHorizonMs: horizon, now: () => now });
  const empty = gcHeap() - emptyBaseline;
  const name = (i) => `pn-channel-${i}`;
  for (let i = 0; i < deadChannels; i += 1000) {
    const batch = [];
    for (let c = i; c < Math.min(i + 1000, deadChannels); c++) batch.push(pubnubEvent(name(c), true, 1, 1));
    store.applySync(batch);
  }
  now += 1000;
  for (let i = 0; i < deadChannels; i += 1000) {
    const batch = [];
    for (let c = i; c < Math.min(i + 1000, deadChannels); c++) batch.push(pubnubEvent(name(c), false, 2, 0));
    store.applySync(batch);
  }
  const held = gcHeap() - emptyBaseline;
  now += horizon + 1;
  store.expire();
  const after = gcHeap() - emptyBaseline;
  if (store.channelCount !== 0 || store.size !== 0)
    throw new Error(`after the horizon the store still holds ${store.channelCount} channels, ${store.size} states`);
  return {
    deadChannels,
    deadHeldMB: mb(held),
    deadAfterHorizonMB: mb(after),
    emptyStoreMB: mb(empty),
    // The dead channels' cost after the horizon, per channel (0 when fully freed; GC noise can make it slightly negative).
    deadBytesPerChannelAfter: Math.round((after - empty) / deadChannels),
  };
}

export async function benchMemory({ members = 1_000_000, channels = 10_000, deadChannels = 200_000, data } = {}) {
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
  store.expire();
  const afterHorizon = gcHeap() - baseline;
  const live = total - leaving * channels;
  let occupancy = 0;
  for (let c = 0; c < channels; c++) occupancy += await store.occupancy(`channel-${c}`);
  if (occupancy !== live || store.size !== live)
    throw new Error(`after the horizon the store holds ${store.size} states, ${occupancy} present; expected ${live}`);

  // The live set on its own: a store that only ever held the members still present.
  const liveBaseline = gcHeap();
  const fresh = new MemoryStore({ tombstoneHorizonMs: horizon, now: () => now });
  for (let c = 0; c < channels; c++)
    fresh.applySync(events(`channel-${c}`, c * perChannel + leaving, perChannel - leaving, true, now, data));
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
    ...benchDeadChannels(deadChannels),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchMemory(JSON.parse(process.argv[2] ?? '{}'));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
