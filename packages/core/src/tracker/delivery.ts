import type { PresenceEvent, ProviderName } from '../events.js';
import type { Normalised } from '../providers/provider.js';
import { StoreError, toError } from '../errors.js';
import { PartialApplyError } from '../store.js';

/** An accepted delivery of one provider. */
export type Delivery = Normalised & { provider: ProviderName };

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

/** A split delivery's channels tried one by one stop being tried alone after this many failures in a row with no success. */
export const SPLIT_PROBES = 3;

/**
 * Merge each delivery and return what failed (to be retried by the queue) with the first error. A store
 * failure does not take a delivery's other channels with it: a delivery that spans several channels is
 * split by channel and its channels are tried one by one at once; when the store committed some channels
 * (PartialApplyError), those are emitted and only the others are left. Bounded: no split when the store said
 * it cannot answer at all (`code: 'store_unavailable'`), and when the first SPLIT_PROBES channels tried alone
 * all fail, the store is failing whatever the channel: the rest are left together, untried.
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
      else failed.push(...(await mergeAlone(parts, merge)));
    }
  }
  return { failed, cause };
}

/** Try each single-channel part; what failed, and the untried rest as one delivery once the first SPLIT_PROBES all failed. */
async function mergeAlone(parts: readonly Delivery[], merge: (delivery: Delivery) => Promise<void>): Promise<Delivery[]> {
  const failed: Delivery[] = [];
  let merged = 0;
  for (let i = 0; i < parts.length; i++) {
    if (merged === 0 && failed.length >= SPLIT_PROBES) return [...failed, joined(parts.slice(i))];
    const part = parts[i] as Delivery;
    try {
      await merge(part);
      merged++;
    } catch {
      failed.push(part);
    }
  }
  return failed;
}

/** Deliveries as one (its provider the first's: what a store call needs is in the events). */
export function joined(parts: readonly Delivery[]): Delivery {
  const first = parts[0] as Delivery;
  return {
    provider: first.provider,
    presence: parts.flatMap((p) => p.presence),
    channel: parts.flatMap((p) => p.channel),
    problems: [],
  };
}

/** What onError hears of a delivery that failed whole and was then applied channel by channel: nothing lost, but told. */
export function recoveredError(cause: unknown): StoreError {
  const message = toError(cause).message;
  return new StoreError(
    `Applying a delivery whole failed; its channels were then applied one by one: ${message}`,
    { attempt: 1, attempts: 1, cause: message },
    cause,
  );
}
