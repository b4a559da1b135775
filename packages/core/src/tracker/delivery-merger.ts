import type { Change, ChannelChange } from '../events.js';
import type { Normalised } from '../providers/provider.js';
import type { ApplyOptions } from '../store.js';
import { PartialApplyError } from '../store.js';
import { changesByDelivery } from './batch.js';
import type { Delivery } from './delivery.js';
import { joined } from './delivery.js';
import type { Emission, LocalEvent } from './emission.js';
import type { TrackerPort } from './port.js';
import type { StoreCalls } from './store-calls.js';

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

/**
 * How deliveries are merged (the tracker decides when, in its queue or at once): planned, given to the store
 * in one call, then counted delivery by delivery and emitted in the order the store committed them.
 */
export class DeliveryMerger {
  constructor(
    private readonly calls: StoreCalls,
    private readonly emission: Emission,
    private readonly port: TrackerPort,
    /** Events older than this (ms, receiver clock) are stale; Infinity for none (recorded fixtures). */
    private readonly maxEventAgeMs: number,
  ) {}

  /**
   * Merge deliveries in one store call (one delivery, or a batch of plain ones): count each delivery (its part
   * of the changes) and tell the resync notes, then emit the changes in the order the store committed them (a
   * store taking a call channel by channel decides one user's levels across channels in that order: regrouped
   * by delivery, her last user-level event could contradict the store), then the other events (a batch's
   * deliveries have none), and acknowledge them. When the store committed only some channels
   * (PartialApplyError), what they changed and their events are emitted before it rethrows.
   */
  async merge(deliveries: readonly Delivery[]): Promise<void> {
    const whole = deliveries.length === 1 ? (deliveries[0] as Delivery) : joined(deliveries);
    const plan = this.plan(whole);
    let changes: Change[] = [];
    if (plan.apply) {
      try {
        changes = await this.calls.apply(whole.presence, plan.options, plan.now);
      } catch (error) {
        if (error instanceof PartialApplyError) {
          const failed = new Set(error.channels);
          const kept = deliveries.map((d) => ({ ...d, presence: d.presence.filter((e) => !failed.has(e.channel)) }));
          // In a batch, a delivery none of whose channels committed is not counted now (it is retried, or lost).
          const committed =
            deliveries.length === 1
              ? kept
              : kept.filter((d, i) => d.presence.length > 0 || (deliveries[i] as Delivery).presence.length === 0);
          const local = plan.local.filter((e) => !failed.has((e.payload as { channel: string }).channel));
          this.count(committed, error.changes);
          await this.emission.emit(error.changes, local);
        }
        throw error;
      }
    }
    this.count(deliveries, changes);
    await this.emission.emit(changes, plan.local);
  }

  /**
   * A synchronous store's merge of one delivery, its handlers called now: `finish` once their promises (`pending`)
   * settled. Undefined when the store refused the delivery (it changed nothing; the queue retries and reports it).
   */
  mergeNow(delivery: Delivery): { pending: Promise<void>[]; finish(): void } | undefined {
    const plan = this.plan(delivery);
    let changes: Change[] = [];
    if (plan.apply) {
      try {
        changes = this.calls.applySync(delivery.presence, plan.options, plan.now);
      } catch {
        return undefined;
      }
    }
    this.merged(delivery, changes);
    return this.emission.dispatch(changes, plan.local, changes);
  }

  /** Each delivery counted with its part of the changes (see changesByDelivery). */
  private count(deliveries: readonly Delivery[], changes: readonly Change[]): void {
    if (deliveries.length === 1) return this.merged(deliveries[0] as Delivery, changes);
    if (deliveries.length === 0) {
      this.port.counter.changed(changes); // changes of no delivery's channel (a Cluster's users step)
      return;
    }
    const parts = changesByDelivery(deliveries, changes);
    deliveries.forEach((delivery, i) => this.merged(delivery, parts[i] as Change[]));
  }

  /** What merging a delivery takes now (see planDelivery). */
  private plan(delivery: Delivery): DeliveryPlan {
    return planDelivery(delivery, this.port.store.feed !== undefined, this.port.now(), this.maxEventAgeMs);
  }

  /** A delivery merged: counted (accepted, duplicate, stale) and told to the resync notes. */
  private merged(delivery: Delivery, changes: readonly Change[]): void {
    this.port.counter.merged(delivery.provider, delivery.presence, changes);
    this.port.merged?.(delivery, changes);
  }
}
