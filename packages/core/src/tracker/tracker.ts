import { DeliveryQueue } from '../delivery-queue.js';
import { toError } from '../errors.js';
import type { Member, ProviderName } from '../events.js';
import { storeApplyTrace, traced } from '../observe/channels.js';
import type { Snapshot } from '../providers/snapshot.js';
import { planRepair, visibleChanges } from '../resync/repair.js';
import type { Repair } from '../resync/resyncer.js';
import type { ApplyOptions, PresenceStore } from '../store.js';
import type { Delivery } from './delivery.js';
import { channelsOf, recoveredError } from './delivery.js';
import type { BatchSteps } from './batch.js';
import { Batch, mergeBatch, plain } from './batch.js';
import { DeliveryMerger } from './delivery-merger.js';
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
  private readonly merger: DeliveryMerger;
  private expiryTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  /** The batch queued last, which plain deliveries join until its turn (an asynchronous store). */
  private open: Batch | undefined;
  /** Deliveries waiting in batches besides the first of each (counted in `depth`). */
  private joined = 0;
  private readonly steps: BatchSteps = {
    merge: (deliveries) => this.merger.merge(deliveries),
    recovered: (cause) => this.port.report(recoveredError(cause)),
  };

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
        track: (job) => this.push(job).catch(() => undefined),
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
    this.merger = new DeliveryMerger(this.calls, this.emission, port, options.maxEventAgeMs ?? this.can.horizonMs);
  }

  /** The receiver tracks user levels (`users` not false, and the store has them). */
  get usersOn(): boolean {
    return this.can.usersOn;
  }

  /** Deliveries and other jobs queued or running. */
  get depth(): number {
    return this.queue.depth + this.joined;
  }

  /** Start reading the fleet's feed (emit 'everywhere') and claiming unemitted changes (emit 'once'). */
  start(): void {
    this.fleet?.start();
    // emit 'everywhere': no apply before the reader holds its starting cursor, so none of its changes is missed.
    if (this.fleet?.mode === 'everywhere') void this.push(() => (this.fleet as FleetEmission).ready, 1);
  }

  /**
   * Merge an accepted delivery's presence events (its channel notices into the feed with them), then emit the
   * committed changes and its other events. With a synchronous store (MemoryStore) and nothing queued, the
   * merge and the emission happen now, without a queue job (measured: 5-12% less server CPU per request);
   * otherwise, and whenever tracing is on, in the queue; with an asynchronous store, plain deliveries that wait
   * there are merged in one store call (see Batch). `attempts` 1 for a delivery answered after the commit.
   */
  deliver(delivery: Delivery, attempts?: number): Promise<void> {
    if (this.queue.depth === 0 && this.can.synchronous && !traced(storeApplyTrace)) {
      // Merged and its handlers called now; to the queue (its retries) when the store refused it.
      const emission = this.merger.mergeNow(delivery);
      if (emission !== undefined) {
        if (emission.pending.length === 0) {
          emission.finish();
          return Promise.resolve();
        }
        // Async handlers: idle() waits for them, as for a queued delivery.
        return this.push(async () => {
          await Promise.all(emission.pending);
          emission.finish();
        }, 1);
      }
    }
    const shares = !this.can.synchronous && plain(delivery);
    const open = this.open;
    if (shares && open?.takes(delivery, attempts) === true) {
      this.joined++;
      return open.add(delivery);
    }
    const batch = new Batch(attempts);
    const done = batch.add(delivery);
    const settle = (failed: boolean, error?: unknown) => {
      this.joined -= batch.deliveries.length - 1;
      batch.settle(failed, error, (lost, left) => {
        // Given up after the retries: never silently. Counted, reported (by the queue), its channels repaired.
        this.port.counter.lost();
        try {
          this.port.lost?.(lost.provider, channelsOf(left.flatMap((part) => part.presence)));
        } catch (error) {
          this.port.report(toError(error));
        }
      });
    };
    this.push(async () => {
      batch.start();
      await mergeBatch(batch, this.steps);
    }, attempts).then(
      () => settle(false),
      (error: unknown) => settle(true, error),
    );
    if (shares) this.open = batch;
    return done;
  }

  /**
   * Repair a channel from a provider's snapshot, in the queue (after the deliveries accepted before it):
   * read the stored members there (no delivery slips in between), merge the repair with the snapshot's
   * watermark, emit its visible changes.
   */
  repairChannel(snapshot: Snapshot): Promise<Repair> {
    let repair: Repair = { changes: [], stored: 0 };
    return this.push(async () => {
      const plan = await planRepair(this.store, snapshot, this.options.maxClockSkewMs);
      const options: ApplyOptions = plan.watermarks.length > 0 ? { watermarks: plan.watermarks } : {};
      const applied = await this.calls.apply(plan.events, options, this.port.now());
      // Restatements that change nothing visible are not emitted, but they are in the feed: acknowledged all the same.
      const changes = visibleChanges(applied);
      this.port.counter.changed(changes);
      repair = { changes, stored: plan.stored };
      await this.emission.emit(changes, [], applied);
    }).then(() => repair);
  }

  /** Emit events that change nothing in the store (drift, reconcile progress), after what is queued. */
  emitLocal(event: LocalEvent): void {
    void this.emission.emit([], [event]);
  }

  /** Close the grace windows that ended (user.leave / user.offline), in the queue. */
  expireUsers(): Promise<void> {
    if (this.users === undefined || this.closed) return Promise.resolve();
    return this.push(async () => {
      const changes = await this.calls.expireUsers();
      this.port.counter.changed(changes);
      await this.emission.emit(changes, []);
    }, 1).catch(() => undefined); // reported by the queue; the next tick tries again
  }

  /** Queue a job; nothing joins the batch queued before it. */
  private push(job: () => Promise<void>, attempts?: number): Promise<void> {
    this.open = undefined;
    return this.queue.push(job, attempts);
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
