import type { ChannelChange, PresenceEvent, ProviderName } from '../events.js';
import type { Normalised } from '../providers/provider.js';
import type { ApplyOptions } from '../store.js';
import { PartialApplyError } from '../store.js';
import type { LocalEvent } from './emission.js';

/** An accepted delivery of one provider. */
export type Delivery = Normalised & { provider: ProviderName };

/** What merging a delivery takes: its other events, the apply options (its notices when the store has a feed, the time bound). */
export interface DeliveryPlan {
  local: LocalEvent[];
  options: ApplyOptions;
  now: number;
  /** Something to give the store: presence events or notices. */
  apply: boolean;
}

/** The plan of a delivery at `now` (receiver clock); `maxEventAgeMs` Infinity for no time bound (recorded fixtures). */
export function planDelivery(delivery: Normalised, feed: boolean, now: number, maxEventAgeMs: number): DeliveryPlan {
  const local: LocalEvent[] = [];
  const notices: ChannelChange[] = [];
  for (const event of delivery.channel) {
    if (feed && (event.name === 'channel.active' || event.name === 'channel.inactive'))
      notices.push({ type: event.name, ...event.payload });
    else local.push(event);
  }
  const options: ApplyOptions = {};
  if (maxEventAgeMs !== Infinity) options.staleBefore = now - maxEventAgeMs;
  if (notices.length > 0) options.notices = notices;
  return { local, options, now, apply: delivery.presence.length > 0 || notices.length > 0 };
}

export function channelsOf(events: readonly PresenceEvent[]): string[] {
  return [...new Set(events.map((e) => e.channel))];
}

/** The store said it cannot answer at all (RedisStore's and PostgresStore's unavailability errors), not "this batch failed". */
export function storeUnavailable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'store_unavailable';
}

/** A delivery as one delivery per channel (its presence and channel events), in first-seen order; only `among` when given. */
export function byChannel(delivery: Delivery, among?: ReadonlySet<string>): Delivery[] {
  const parts = new Map<string, Delivery>();
  const partOf = (channel: string) => {
    let part = parts.get(channel);
    if (part === undefined) parts.set(channel, (part = { provider: delivery.provider, presence: [], channel: [], problems: [] }));
    return part;
  };
  for (const event of delivery.presence) if (among === undefined || among.has(event.channel)) partOf(event.channel).presence.push(event);
  for (const event of delivery.channel) {
    const channel = event.payload.channel;
    if (among === undefined || among.has(channel)) partOf(channel).channel.push(event);
  }
  return [...parts.values()];
}

/**
 * Merge each delivery and return what failed (to be retried by the queue) with the first error. A store
 * failure does not take a delivery's other channels with it: a delivery that spans several channels is
 * split by channel and each channel is tried on its own at once (unless the store said it cannot answer at
 * all, `code: 'store_unavailable'`: trying channel by channel would only multiply the wait); when the store
 * committed some channels (PartialApplyError), those are emitted and only the others are left.
 */
export async function mergeEach(
  deliveries: readonly Delivery[],
  merge: (delivery: Delivery) => Promise<void>,
): Promise<{ failed: Delivery[]; cause?: unknown }> {
  const failed: Delivery[] = [];
  let cause: unknown;
  for (const delivery of deliveries) {
    try {
      await merge(delivery);
    } catch (error) {
      cause ??= error;
      if (error instanceof PartialApplyError) {
        failed.push(...byChannel(delivery, new Set(error.channels)));
        continue;
      }
      const parts = byChannel(delivery);
      if (parts.length === 1 || storeUnavailable(error)) failed.push(delivery);
      else failed.push(...(await mergeEach(parts, merge)).failed);
    }
  }
  return { failed, cause };
}
