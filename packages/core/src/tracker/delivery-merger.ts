import type { Change } from '../events.js';
import { PartialApplyError } from '../store.js';
import { changesByDelivery } from './batch.js';
import type { Delivery, DeliveryPlan } from './delivery.js';
import { joined, planDelivery } from './delivery.js';
import type { Emission, LocalEvent } from './emission.js';
import type { TrackerPort } from './port.js';
import type { StoreCalls } from './store-calls.js';

/**
 * How deliveries are merged (the tracker decides when, in its queue or at once): planned, given to the store
 * in one call, then counted and emitted delivery by delivery in acceptance order.
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
   * Merge deliveries in one store call (one delivery, or a batch of plain ones), then count and emit each one's
   * changes, then the other events (a batch's deliveries have none), and acknowledge the changes. When the store
   * committed only some channels (PartialApplyError), what they changed and their events are emitted before it
   * rethrows.
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
          const committed = deliveries.map((d) => ({ ...d, presence: d.presence.filter((e) => !failed.has(e.channel)) }));
          const local = plan.local.filter((e) => !failed.has((e.payload as { channel: string }).channel));
          await this.emitEach(committed, error.changes, local);
        }
        throw error;
      }
    }
    await this.emitEach(deliveries, changes, plan.local);
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

  /** Count and emit each delivery's part of the changes, then the other events; acknowledge the changes once. */
  private async emitEach(deliveries: readonly Delivery[], changes: readonly Change[], local: readonly LocalEvent[]): Promise<void> {
    const parts = deliveries.length === 1 ? [changes] : changesByDelivery(deliveries, changes);
    for (let i = 0; i < deliveries.length; i++) {
      const delivery = deliveries[i] as Delivery;
      const part = parts[i] as Change[];
      if (deliveries.length > 1 && delivery.presence.length === 0 && part.length === 0) continue; // none of its channels committed
      this.merged(delivery, part);
      await this.emission.emit(part, i === deliveries.length - 1 ? local : [], []);
    }
    this.emission.acknowledge(changes);
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
