import { DeliveryQueue } from '../delivery-queue.js';
import type { Change, Member, ProviderName } from '../events.js';
import { storeApplyTrace, traced } from '../observe/channels.js';
import type { Snapshot } from '../providers/snapshot.js';
import { planRepair, visibleChanges } from '../resync/repair.js';
import type { Repair } from '../resync/resyncer.js';
import type { ApplyOptions, PresenceStore } from '../store.js';
import { PartialApplyError } from '../store.js';
import type { Delivery, DeliveryPlan } from './delivery.js';
import { channelsOf, mergeEach, planDelivery, recoveredError } from './delivery.js';
import type { LocalEvent } from './emission.js';
import { Emission } from './emission.js';
import { FleetEmission } from './fleet-emission.js';
import type { ResolvedTrackerOptions } from './options.js';
import type { StoreCapabilities } from './store-capabilities.js';
import { storeCapabilities } from './store-capabilities.js';
import { StoreCalls } from './store-calls.js';
import { UserIds } from './user-ids.js';
import type { TrackerPort } from './port.js';

/**
 * The one writer (Phoenix's split: pure merge functions, one owner of the state): every change to the
 * presence set goes through `apply` — deliveries, resync and reconcile snapshots, grace deadlines — in one
 * queue, so a snapshot and a delivery of the same member never race. It owns the store calls, the user ids,
 * the time bounds, the emission (once or everywhere) and the counters of effective changes.
 */
export class Tracker {
  readonly store: PresenceStore;
  private readonly queue: DeliveryQueue;
  /** What the store can do with the receiver's options, checked once (see StoreCapabilities). */
  private readonly can: StoreCapabilities;
  private readonly fleet: FleetEmission | undefined;
  private readonly emission: Emission;
  /** With user levels on: the user ids and the levels' options. */
  private readonly users: UserIds | undefined;
  private readonly calls: StoreCalls;
  private expiryTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(
    private readonly options: ResolvedTrackerOptions,
    private readonly port: TrackerPort,
  ) {
    this.store = port.store;
    this.can = storeCapabilities(port.store, options);
    this.queue = new DeliveryQueue({
      attempts: port.retry.attempts,
      baseDelayMs: port.retry.baseDelayMs,
      report: (error) => port.report(error),
    });
    if (this.store.feed !== undefined) {
      this.fleet = new FleetEmission(this.store.feed, options.emit, options.claimAfterMs, {
        emit: (changes) => this.emission.emit(changes, [], false),
        report: (error) => port.report(error),
        track: (job) => this.queue.push(job).catch(() => undefined),
      });
    }
    this.emission = new Emission(port, this.fleet, this.can.emitsOwn);
    if (this.can.usersOn) {
      const users = options.users as NonNullable<ResolvedTrackerOptions['users']>;
      this.users = new UserIds(users);
      const every = Math.max(50, Math.min(users.graceMs > 0 ? users.graceMs / 4 : 60_000, 60_000));
      this.expiryTimer = setInterval(() => void this.expireUsers(), every);
      this.expiryTimer.unref?.();
    }
    this.calls = new StoreCalls(this.store, this.users, this.can.emitsOwn, port);
  }

  /** The receiver tracks user levels (`users` not false, and the store has them). */
  get usersOn(): boolean {
    return this.can.usersOn;
  }

  /** Jobs queued or running. */
  get depth(): number {
    return this.queue.depth;
  }

  /** Start reading the fleet's feed (emit 'everywhere') and claiming unemitted changes (emit 'once'). */
  start(): void {
    this.fleet?.start();
    // emit 'everywhere': no apply before the reader holds its starting cursor, so none of its changes is missed.
    if (this.fleet?.mode === 'everywhere') void this.queue.push(() => (this.fleet as FleetEmission).ready, 1);
  }

  /**
   * Merge an accepted delivery's presence events (its channel notices into the feed with them), then emit the
   * committed changes and its other events. With a synchronous store (MemoryStore) and nothing queued, the
   * merge and the emission happen now, without a queue job (measured: 5-12% less server CPU per request);
   * otherwise, and whenever tracing is on, in the queue. `attempts` 1 for a delivery answered after the commit.
   */
  deliver(delivery: Delivery, attempts?: number): Promise<void> {
    if (this.queue.depth === 0 && this.can.synchronous && !traced(storeApplyTrace)) {
      const done = this.deliverNow(delivery);
      if (done !== undefined) return done;
    }
    // What is left to merge: the delivery; after a store failure split it, the channels that failed, each alone.
    let left: Delivery[] = [delivery];
    return this.queue
      .push(async () => {
        const { failed, cause } = await mergeEach(left, (part) => this.merge(part));
        left = failed;
        if (failed.length > 0) throw cause;
        if (cause !== undefined) this.port.report(recoveredError(cause)); // failed whole, then applied channel by channel
      }, attempts)
      .catch((error: unknown) => {
        // Given up after the retries: never silently. Counted, reported (by the queue), its channels repaired.
        this.port.counter.lost();
        this.port.lost?.(delivery.provider, channelsOf(left.flatMap((part) => part.presence)));
        throw error;
      });
  }

  /**
   * Merge one delivery and emit what it changed, then its other events. When the store committed only some
   * of its channels (PartialApplyError), those channels' changes and events are emitted before it rethrows.
   */
  private async merge(delivery: Delivery): Promise<void> {
    const plan = this.plan(delivery);
    let changes: Change[] = [];
    if (plan.apply) {
      try {
        changes = await this.calls.apply(delivery.presence, plan.options, plan.now);
      } catch (error) {
        if (error instanceof PartialApplyError) {
          const failed = new Set(error.channels);
          this.merged({ ...delivery, presence: delivery.presence.filter((e) => !failed.has(e.channel)) }, error.changes);
          await this.emission.emit(
            error.changes,
            plan.local.filter((e) => !failed.has((e.payload as { channel: string }).channel)),
          );
        }
        throw error;
      }
    }
    this.merged(delivery, changes);
    await this.emission.emit(changes, plan.local);
  }

  /** The synchronous path of `deliver`; undefined when the store refused the batch (the queue retries and reports it). */
  private deliverNow(delivery: Delivery): Promise<void> | undefined {
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
    const emission = this.emission.dispatch(changes, plan.local, changes);
    if (emission.pending.length === 0) {
      emission.finish();
      return Promise.resolve();
    }
    // Async handlers: idle() waits for them, as for a queued delivery.
    return this.queue.push(async () => {
      await Promise.all(emission.pending);
      emission.finish();
    }, 1);
  }

  /** What merging a delivery takes now (see planDelivery). */
  private plan(delivery: Delivery): DeliveryPlan {
    return planDelivery(delivery, this.store.feed !== undefined, this.port.now(), this.options.maxEventAgeMs ?? this.can.horizonMs);
  }

  /** A delivery merged: counted (accepted, duplicate, stale) and told to the resync notes. */
  private merged(delivery: Delivery, changes: readonly Change[]): void {
    this.port.counter.merged(delivery.provider, delivery.presence, changes);
    this.port.merged?.(delivery, changes);
  }

  /**
   * Repair a channel from a provider's snapshot, in the queue (after the deliveries accepted before it):
   * read the stored members there (no delivery slips in between), merge the repair with the snapshot's
   * watermark, emit its visible changes.
   */
  repairChannel(snapshot: Snapshot): Promise<Repair> {
    let repair: Repair = { changes: [], stored: 0 };
    return this.queue
      .push(async () => {
        const plan = await planRepair(this.store, snapshot, this.options.maxClockSkewMs);
        const options: ApplyOptions = plan.watermarks.length > 0 ? { watermarks: plan.watermarks } : {};
        const applied = await this.calls.apply(plan.events, options, this.port.now());
        // Restatements that change nothing visible are not emitted, but they are in the feed: acknowledged all the same.
        const changes = visibleChanges(applied);
        this.port.counter.changed(changes);
        repair = { changes, stored: plan.stored };
        await this.emission.emit(changes, [], applied);
      })
      .then(() => repair);
  }

  /** Emit events that change nothing in the store (drift, reconcile progress), after what is queued. */
  emitLocal(event: LocalEvent): void {
    void this.emission.emit([], [event]);
  }

  /** Close the grace windows that ended (user.leave / user.offline), in the queue. */
  expireUsers(): Promise<void> {
    if (this.users === undefined || this.closed) return Promise.resolve();
    return this.queue
      .push(async () => {
        const changes = await this.calls.expireUsers();
        this.port.counter.changed(changes);
        await this.emission.emit(changes, []);
      }, 1)
      .catch(() => undefined); // reported by the queue; the next tick tries again
  }

  async idle(): Promise<void> {
    await this.queue.idle();
    await this.fleet?.settled();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.expiryTimer !== undefined) clearInterval(this.expiryTimer);
    await this.fleet?.close();
    await this.queue.idle();
    await this.fleet?.settled(); // the acknowledgements of what the queue emitted last
  }

  /** The app's user id of a member, as given to the store (see UserIds); undefined without user levels. */
  userOf(member: Member, provider: ProviderName | undefined): string | undefined {
    return this.users?.userOf(member, provider);
  }
}
