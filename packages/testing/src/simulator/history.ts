import type { AblyHistory, TruthMember } from '../ably-history.js';
import { ablyTruth, generateAblyHistory } from '../ably-history.js';
import type { PubNubHistory } from '../pubnub-history.js';
import { generatePubNubHistory, pubnubTruth } from '../pubnub-history.js';
import type { PusherHistory } from '../pusher-history.js';
import { generatePusherHistory, pusherTruth } from '../pusher-history.js';
import type { SimulatedProvider } from './types.js';

/** A generated history of either provider, with what the simulator needs of it. */
export interface SimHistory {
  provider: SimulatedProvider;
  ably?: AblyHistory;
  pubnub?: PubNubHistory;
  pusher?: PusherHistory;
  /** Every event in the order the provider produced it: its channel, id and (simulated epoch) time. */
  events: { channel: string; id: string; at: number }[];
  /** Provider time from the start to the last event. */
  spanMs: number;
  /** The in-order set of the events `keep` selects (by index into `events`; all when omitted). */
  truth(keep?: (index: number) => boolean): Map<string, TruthMember[]>;
  /** The in-order set of the events at these indices (ascending). */
  truthOf(indices: readonly number[]): Map<string, TruthMember[]>;
}

export interface HistoryShape {
  seed: number;
  channels: readonly string[];
  members: number;
  events: number;
  durationMs: number;
  /** Simulated epoch ms of the first moment. */
  start: number;
}

/**
 * Generate a history with the existing generators, its clock stepped so that `events` events span
 * at most about `durationMs`, trailing events included: Ably's synthesized leaves come 15 s after
 * a connection drops, and PubNub keeps one member's events a second apart, so a first pass that
 * overshoots is generated again with its steps shortened by the overshoot (the same seed and shape
 * give the same history), down to half of `durationMs`. When the fixed delays need more than that
 * (Ably under 30 s), the span stays longer and the report says why.
 */
export function generateHistory(provider: SimulatedProvider, shape: HistoryShape): SimHistory {
  // The steps shrink at most to half: below that the load would come in a burst, then only trailing leaves.
  const floor = Math.max(1, Math.floor(shape.durationMs / 2));
  let history = generateSpanning(provider, shape, shape.durationMs);
  for (let pass = 0, target = shape.durationMs; pass < 5 && target > floor && history.spanMs > shape.durationMs * 1.01; pass++) {
    target = Math.max(floor, Math.floor(target * (shape.durationMs / history.spanMs)));
    history = generateSpanning(provider, shape, target);
  }
  return history;
}

function generateSpanning(provider: SimulatedProvider, shape: HistoryShape, durationMs: number): SimHistory {
  const { seed, channels, members, events, start } = shape;
  if (provider === 'ably') {
    // A quarter of the steps keep the clock; the rest advance it by 1..maxGap ms (mean (maxGap + 1) / 2).
    const maxGapMs = Math.max(1, Math.round(durationMs / (0.375 * events) - 1));
    const ably = generateAblyHistory({ seed, channels, clients: members, steps: events, start, maxGapMs });
    const list = ably.entries.map((e) => ({ channel: e.channel, id: e.message.id, at: e.message.timestamp }));
    const truth = (keep?: (index: number) => boolean) =>
      ablyTruth(keep === undefined ? ably.entries : ably.entries.filter((_, i) => keep(i)), ably.values);
    const truthOf = (indices: readonly number[]) =>
      ablyTruth(
        indices.map((i) => ably.entries[i] as (typeof ably.entries)[number]),
        ably.values,
      );
    return { provider, ably, events: list, spanMs: spanOf(list, start), truth, truthOf };
  }
  if (provider === 'pusher') return pusherSimHistory(shape);
  const maxGapMs = Math.max(1, Math.round((2 * durationMs) / events - 1));
  const pubnub = generatePubNubHistory({ seed, channels, users: members, steps: events, start, maxGapMs });
  const list = pubnub.entries.map((e) => ({ channel: e.channel, id: e.id, at: e.timestampMs }));
  const truth = (keep?: (index: number) => boolean) =>
    pubnubTruth(keep === undefined ? pubnub.entries : pubnub.entries.filter((_, i) => keep(i)));
  const truthOf = (indices: readonly number[]) => pubnubTruth(indices.map((i) => pubnub.entries[i] as (typeof pubnub.entries)[number]));
  return { provider, pubnub, events: list, spanMs: spanOf(list, start), truth, truthOf };
}

/** Pusher: connection opens and closes, with the webhooks Pusher derives from them (see generatePusherHistory). */
function pusherSimHistory({ seed, channels, members, events, durationMs, start }: HistoryShape): SimHistory {
  const maxGapMs = Math.max(1, Math.round((2 * durationMs) / events - 1));
  const pusher = generatePusherHistory({ seed, channels, users: members, steps: events, start, maxGapMs });
  const list = pusher.entries.map((e, i) => ({ channel: e.channel, id: `${i}:${e.kind}:${e.userId ?? ''}`, at: e.timeMs }));
  const truth = (keep?: (index: number) => boolean) =>
    pusherTruth(keep === undefined ? pusher.entries : pusher.entries.filter((_, i) => keep(i)));
  const truthOf = (indices: readonly number[]) => pusherTruth(indices.map((i) => pusher.entries[i] as (typeof pusher.entries)[number]));
  return { provider: 'pusher', pusher, events: list, spanMs: spanOf(list, start), truth, truthOf };
}

function spanOf(events: readonly { at: number }[], start: number): number {
  return events.reduce((span, e) => Math.max(span, e.at - start), 0);
}

/** How many events have a time at or before `now` (events are in time order). */
export function countUntil(events: readonly { at: number }[], now: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as { at: number }).at <= now) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
