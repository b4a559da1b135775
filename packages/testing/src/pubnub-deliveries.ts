import type { PubNubBuiltRequest, PubNubEventsKind, PubNubSecretOptions } from './pubnub-builders.js';
import { pubnubChannelStatusRequest, pubnubEventItem, pubnubEventsRequest, pubnubLegacyRequest } from './pubnub-builders.js';
import type { PubNubHistoryEntry } from './pubnub-history.js';
import type { Random } from './random.js';
import { shuffle } from './random.js';

/** PubNub resends a webhook that got no 200 within 5 seconds, up to 3 times (4 attempts). */
export const PUBNUB_RESEND_DELAY_MS = 5_000;
export const PUBNUB_MAX_ATTEMPTS = 4;

export interface PubNubDeliveryPlan extends PubNubSecretOptions {
  /** Share of events sent as legacy webhooks (JSON; multipart for active / inactive); the rest as E&A. Default 0.5. */
  legacyShare?: number;
  /** Most items in one E&A batch. Default 5. */
  maxBatch?: number;
  /** Share of E&A batches sent enveloped. Default 0.5. */
  envelopedShare?: number;
  /** Share of deliveries resent (identical bodies, 5 s apart). Default 0.2. */
  resendRate?: number;
  /**
   * 'shuffle' (default): any order; 'network': in send-time order, each delivery delayed by up to
   * `maxDelayMs` and resends 5 s after their previous attempt; false: in order, resends right after.
   */
  reorder?: 'shuffle' | 'network' | false;
  /** Network delay bound for 'network' reordering (ms). Default 3000. */
  maxDelayMs?: number;
}

export interface PubNubDelivery {
  format: 'legacy' | 'multipart' | 'events';
  /** The history events this delivery carries. */
  entries: PubNubHistoryEntry[];
  /** 1 for the first attempt, 2..4 for resends (the same request object, so identical bytes). */
  attempt: number;
  /** When it is sent (ms): the last event's time plus network delay, plus 5 s per resend. */
  atMs: number;
  request: PubNubBuiltRequest;
}

function legacyRequest(
  entry: PubNubHistoryEntry,
  plan: PubNubDeliveryPlan,
): { format: PubNubDelivery['format']; request: PubNubBuiltRequest } {
  const timestamp = Math.floor(entry.timestampMs / 1000);
  if (entry.kind === 'active' || entry.kind === 'inactive') {
    return { format: 'multipart', request: pubnubChannelStatusRequest({ channel: entry.channel, status: entry.kind, timestamp }, plan) };
  }
  const event = {
    action: entry.kind,
    channel: entry.channel,
    uuid: entry.uuid ?? '',
    timestamp,
    occupancy: entry.occupancy,
    data: entry.state,
  };
  return { format: 'legacy', request: pubnubLegacyRequest(event, plan) };
}

function eventsRequest(
  kind: PubNubEventsKind,
  entries: readonly PubNubHistoryEntry[],
  random: Random,
  plan: PubNubDeliveryPlan,
): PubNubBuiltRequest {
  const items = entries.map((e) =>
    pubnubEventItem({ id: e.id, channel: e.channel, userId: e.uuid, timestampMs: e.timestampMs, occupancy: e.occupancy, state: e.state }),
  );
  return pubnubEventsRequest(kind, items, {
    ...plan,
    enveloped: random() < (plan.envelopedShare ?? 0.5),
    schemaKey: random() < 0.5 ? 'schema' : 'dataSchema',
    single: items.length === 1 && random() < 0.5,
  });
}

/**
 * Cut a PubNub history into webhook deliveries the way PubNub sends them: each event either as a
 * legacy webhook (one event per request; channel active / inactive as multipart/form-data) or in
 * an Events & Actions batch (one schema per batch, enveloped or not), some resent with identical
 * bodies 5 s later (no 200 in time), and reordered.
 */
export function pubnubDeliveries(entries: readonly PubNubHistoryEntry[], random: Random, plan: PubNubDeliveryPlan = {}): PubNubDelivery[] {
  const legacyShare = plan.legacyShare ?? 0.5;
  const maxBatch = plan.maxBatch ?? 5;
  const resendRate = plan.resendRate ?? 0.2;
  const maxDelay = plan.maxDelayMs ?? 3000;
  const firsts: Omit<PubNubDelivery, 'attempt'>[] = [];
  const open = new Map<PubNubEventsKind, { entries: PubNubHistoryEntry[]; size: number }>();
  const delay = () => (plan.reorder === 'network' ? Math.floor(random() * maxDelay) : 0);
  const flush = (kind: PubNubEventsKind) => {
    const batch = open.get(kind);
    if (batch === undefined) return;
    open.delete(kind);
    const lastAt = batch.entries[batch.entries.length - 1]?.timestampMs ?? 0;
    firsts.push({
      format: 'events',
      entries: batch.entries,
      atMs: lastAt + delay(),
      request: eventsRequest(kind, batch.entries, random, plan),
    });
  };
  for (const entry of entries) {
    if (random() < legacyShare) {
      firsts.push({ ...legacyRequest(entry, plan), entries: [entry], atMs: entry.timestampMs + delay() });
      continue;
    }
    let batch = open.get(entry.kind);
    if (batch === undefined) open.set(entry.kind, (batch = { entries: [], size: 1 + Math.floor(random() * maxBatch) }));
    batch.entries.push(entry);
    if (batch.entries.length >= batch.size) flush(entry.kind);
  }
  for (const kind of [...open.keys()]) flush(kind);

  const all: PubNubDelivery[] = [];
  for (const first of firsts) {
    all.push({ ...first, attempt: 1 });
    if (random() < resendRate) {
      const resends = 1 + Math.floor(random() * (PUBNUB_MAX_ATTEMPTS - 1));
      for (let attempt = 2; attempt <= resends + 1; attempt++)
        all.push({ ...first, attempt, atMs: first.atMs + (attempt - 1) * PUBNUB_RESEND_DELAY_MS });
    }
  }
  if (plan.reorder === false) return all;
  if (plan.reorder === 'network') return all.sort((a, b) => a.atMs - b.atMs);
  return shuffle(random, all);
}
