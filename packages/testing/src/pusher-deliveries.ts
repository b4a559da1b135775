import type { BuiltRequest } from './ably-builders.js';
import type { PusherSignOptions, PusherWebhookEvent } from './pusher-builders.js';
import { PUSHER_BATCH_WINDOW_MS, PUSHER_MAX_BATCH, pusherRequest } from './pusher-builders.js';
import type { PusherHistoryEntry } from './pusher-history.js';
import type { Random } from './random.js';
import { shuffle } from './random.js';

/** Pusher retries a webhook not answered 2xx, with backoff, for 5 minutes. */
export const PUSHER_RETRY_WINDOW_MS = 300_000;
export const PUSHER_FIRST_RETRY_MS = 1000;

/** The delays of Pusher's retries after the first attempt (doubling from 1 s, within 5 minutes). */
export function pusherRetryDelays(): number[] {
  const delays: number[] = [];
  for (let at = PUSHER_FIRST_RETRY_MS, step = PUSHER_FIRST_RETRY_MS; at <= PUSHER_RETRY_WINDOW_MS; step *= 2, at += step) delays.push(at);
  return delays;
}

export interface PusherDeliveryPlan extends PusherSignOptions {
  /** Share of webhooks sent as batches (up to 20 events within 250 ms); the rest one event each. Default 0.5. */
  batchShare?: number;
  /** Most events in one batch. Default 20. */
  maxBatch?: number;
  /** Batches take every event that fits (20 events, 250 ms), as Pusher's batching does; default false (a random size up to maxBatch). */
  fullBatches?: boolean;
  /** Share of webhooks retried (identical bodies, their answer lost). Default 0.2. */
  retryRate?: number;
  /** 'shuffle' (default): any order; 'network': in send-time order with delays up to `maxDelayMs`; false: in order, retries right after. */
  reorder?: 'shuffle' | 'network' | false;
  /** Network delay bound for 'network' reordering (ms). Default 1000. */
  maxDelayMs?: number;
}

export interface PusherDelivery {
  /** The history events this webhook carries, in body order. */
  entries: PusherHistoryEntry[];
  batched: boolean;
  /** 1 for the first attempt, 2.. for retries (the same request object: identical bytes). */
  attempt: number;
  /** When it is sent (ms). */
  atMs: number;
  request: BuiltRequest;
}

function wireEvent(entry: PusherHistoryEntry): PusherWebhookEvent {
  return entry.userId === undefined
    ? { name: entry.kind, channel: entry.channel }
    : { name: entry.kind, channel: entry.channel, user_id: entry.userId };
}

/**
 * Cut a Pusher history into signed webhooks the way Pusher sends them: one event per webhook, or
 * (batching on) runs of up to 20 events within 250 ms in one body whose `time_ms` is the time of
 * its last event; some retried with identical bodies; reordered.
 */
export function pusherDeliveries(entries: readonly PusherHistoryEntry[], random: Random, plan: PusherDeliveryPlan = {}): PusherDelivery[] {
  const batchShare = plan.batchShare ?? 0.5;
  const maxBatch = Math.min(plan.maxBatch ?? PUSHER_MAX_BATCH, PUSHER_MAX_BATCH);
  const retryRate = plan.retryRate ?? 0.2;
  const maxDelay = plan.maxDelayMs ?? 1000;
  const sign: PusherSignOptions = {
    ...(plan.key === undefined ? {} : { key: plan.key }),
    ...(plan.secret === undefined ? {} : { secret: plan.secret }),
  };
  const delay = () => (plan.reorder === 'network' ? Math.floor(random() * maxDelay) : 0);
  const firsts: Omit<PusherDelivery, 'attempt'>[] = [];
  for (let i = 0; i < entries.length;) {
    const first = entries[i] as PusherHistoryEntry;
    const batch: PusherHistoryEntry[] = [first];
    const batched = random() < batchShare;
    if (batched) {
      const size = plan.fullBatches === true ? maxBatch : 1 + Math.floor(random() * maxBatch);
      while (batch.length < size && i + batch.length < entries.length) {
        const next = entries[i + batch.length] as PusherHistoryEntry;
        if (next.timeMs - first.timeMs >= PUSHER_BATCH_WINDOW_MS) break;
        batch.push(next);
      }
    }
    i += batch.length;
    const timeMs = (batch[batch.length - 1] as PusherHistoryEntry).timeMs;
    // A full batch leaves with its 20th event; one that did not fill up when its window closes.
    const leaves = batched && batch.length < maxBatch ? Math.max(timeMs, first.timeMs + PUSHER_BATCH_WINDOW_MS) : timeMs;
    firsts.push({ entries: batch, batched, atMs: leaves + delay(), request: pusherRequest(timeMs, batch.map(wireEvent), sign) });
  }
  const delays = pusherRetryDelays();
  const all: PusherDelivery[] = [];
  for (const first of firsts) {
    all.push({ ...first, attempt: 1 });
    if (random() < retryRate) {
      const retries = 1 + Math.floor(random() * 3);
      for (let k = 0; k < retries; k++) all.push({ ...first, attempt: k + 2, atMs: first.atMs + (delays[k] ?? 0) });
    }
  }
  if (plan.reorder === false) return all;
  if (plan.reorder === 'network') return all.sort((a, b) => a.atMs - b.atMs);
  return shuffle(random, all);
}
