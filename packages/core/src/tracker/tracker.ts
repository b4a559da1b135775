import { DeliveryQueue } from '../delivery-queue.js';
import type { TypedEmitter } from '../emitter.js';
import type { Change, ChannelChange, Member, PresenceEvent, ProviderName } from '../events.js';
import { HandlerError } from '../errors.js';
import type { StatsCounter } from '../observe/stats.js';
import { storeApplyTrace, traced } from '../observe/channels.js';
import type { Normalised } from '../providers/provider.js';
import type { Snapshot } from '../providers/snapshot.js';
import { planRepair, visibleChanges } from '../resync/repair.js';
import type { Repair } from '../resync/resyncer.js';
import type { ApplyOptions, PresenceStore, UserLevelOptions } from '../store.js';
import { DEFAULT_TOMBSTONE_HORIZON_MS, PartialApplyError } from '../store.js';
import type { LocalEvent } from './emission.js';
import { dispatchAll } from './emission.js';
import { FleetEmission } from './fleet-emission.js';
import type { ResolvedTrackerOptions } from './options.js';

/** An accepted delivery of one provider. */
type Delivery = Normalised & { provider: ProviderName };

/** What the tracker needs from the receiver that composes it. */
export interface TrackerPort {
  store: PresenceStore;
  emitter: TypedEmitter;
  counter: StatsCounter;
  report(error: Error): void;
  now(): number;
  /** The receiver, as the diagnostics channels name it. */
  owner: object;
  retry: { attempts: number; baseDelayMs: number };
  /** Told of each merged delivery (resync notes: providers, reported figures). */
  merged?(delivery: Delivery, changes: readonly Change[]): void;
  /** A delivery the store could not take after its retries: these channels (of this provider) need a repair. */
  lost?(provider: ProviderName, channels: readonly string[]): void;
}

/**
 * The one writer (Phoenix's split: pure merge functions, one owner of the state): every change to the
 * presence set goes through `apply` — deliveries, resync and reconcile snapshots, grace deadlines — in one
 * queue, so a snapshot and a delivery of the same member never race. It owns the store calls, the user ids,
 * the time bounds, the emission (once or everywhere) and the counters of effective changes.
 */
export class Tracker {
  readonly store: PresenceStore;
  private readonly queue: DeliveryQueue;
  /** The receiver tracks user levels (`users` not false, and the store has them). */
  readonly usersOn: boolean;
  private readonly fleet: FleetEmission | undefined;
  private readonly horizonMs: number;
  private expiryTimer: ReturnType<typeof setInterval> | undefined;
  /** The store merges synchronously (`applySync`, defined beside its `apply`: a subclass that overrides only `apply` does not count). */
  private readonly synchronous: boolean;
  private closed = false;

  constructor(
    private readonly options: ResolvedTrackerOptions,
    private readonly port: TrackerPort,
  ) {
    this.store = port.store;
    const store = port.store;
    const capable = typeof store.users === 'function' && typeof store.expireUsers === 'function' && store.userLevels !== false;
    if (options.usersRequired && !capable)
      throw new TypeError(
        store.userLevels === false
          ? 'presence-webhooks: users: this store cannot keep user levels (a RedisStore on a Redis Cluster needs shards: 1 for them); pass users: false, or shards: 1'
          : 'presence-webhooks: users needs a store with user levels (users(), user(), userCount(), expireUsers()): MemoryStore, RedisStore and PostgresStore have them; pass users: false to turn them off',
      );
    this.usersOn = options.users !== undefined && capable;
    this.synchronous = typeof store.applySync === 'function' && definedBy(store, 'apply') === definedBy(store, 'applySync');
    const horizon = store.tombstoneHorizonMs;
    this.horizonMs = typeof horizon === 'number' && horizon >= 0 ? horizon : DEFAULT_TOMBSTONE_HORIZON_MS;
    if (this.usersOn && (options.users as NonNullable<ResolvedTrackerOptions['users']>).graceMs >= this.horizonMs)
      throw new TypeError(
        `presence-webhooks: users.graceMs must be shorter than the store's tombstone horizon (${this.horizonMs} ms): a level pending longer than the store keeps a channel's state would be lost`,
      );
    this.queue = new DeliveryQueue({
      attempts: port.retry.attempts,
      baseDelayMs: port.retry.baseDelayMs,
      report: (error) => port.report(error),
    });
    if (store.feed !== undefined) {
      this.fleet = new FleetEmission(store.feed, options.emit, options.claimAfterMs, {
        emit: (changes) => this.emit(changes, [], false),
        report: (error) => port.report(error),
        track: (job) => this.queue.push(job).catch(() => undefined),
      });
    }
    if (this.usersOn) {
      const users = options.users as NonNullable<ResolvedTrackerOptions['users']>;
      const every = Math.max(50, Math.min(users.graceMs > 0 ? users.graceMs / 4 : 60_000, 60_000));
      this.expiryTimer = setInterval(() => void this.expireUsers(), every);
      this.expiryTimer.unref?.();
    }
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

  /** Whether this instance emits the changes it applies itself (not under emit 'everywhere': its reader does). */
  private get emitsApplied(): boolean {
    return this.fleet === undefined || this.fleet.mode === 'once';
  }

  /**
   * Merge an accepted delivery's presence events (its channel notices into the feed with them), then emit the
   * committed changes and its other events. With a synchronous store (MemoryStore) and nothing queued, the
   * merge and the emission happen now, without a queue job (measured: 5-12% less server CPU per request);
   * otherwise, and whenever tracing is on, in the queue. `attempts` 1 for a delivery answered after the commit.
   */
  deliver(delivery: Delivery, attempts?: number): Promise<void> {
    if (this.queue.depth === 0 && this.synchronous && !traced(storeApplyTrace)) {
      const done = this.deliverNow(delivery);
      if (done !== undefined) return done;
    }
    // What is left to merge: the delivery; after a store failure split it, the channels that failed, each alone.
    let left: Delivery[] = [delivery];
    return this.queue
      .push(async () => {
        const { failed, cause } = await this.mergeEach(left);
        left = failed;
        if (failed.length > 0) throw cause;
      }, attempts)
      .catch((error: unknown) => {
        // Given up after the retries: never silently. Counted, reported (by the queue), its channels repaired.
        this.port.counter.lost();
        this.port.lost?.(delivery.provider, [...new Set(left.flatMap((part) => channelsOf(part.presence)))]);
        throw error;
      });
  }

  /**
   * Merge each delivery and return what failed (to be retried by the queue) with the first error. A store
   * failure does not take a delivery's other channels with it: a delivery that spans several channels is
   * split by channel and each channel is tried on its own at once (unless the store said it cannot answer at
   * all, `code: 'store_unavailable'`: trying channel by channel would only multiply the wait); when the store
   * committed some channels (PartialApplyError), those are emitted and only the others are left.
   */
  private async mergeEach(deliveries: readonly Delivery[]): Promise<{ failed: Delivery[]; cause?: unknown }> {
    const failed: Delivery[] = [];
    let cause: unknown;
    for (const delivery of deliveries) {
      try {
        await this.merge(delivery);
      } catch (error) {
        cause ??= error;
        if (error instanceof PartialApplyError) {
          failed.push(...byChannel(delivery, new Set(error.channels)));
          continue;
        }
        const parts = byChannel(delivery);
        if (parts.length === 1 || storeUnavailable(error)) failed.push(delivery);
        else failed.push(...(await this.mergeEach(parts)).failed);
      }
    }
    return { failed, cause };
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
        changes = await this.applyToStore(delivery.presence, plan.options, plan.now);
      } catch (error) {
        if (error instanceof PartialApplyError) {
          const failed = new Set(error.channels);
          this.merged({ ...delivery, presence: delivery.presence.filter((e) => !failed.has(e.channel)) }, error.changes);
          await this.emit(
            error.changes,
            plan.local.filter((e) => !failed.has((e.payload as { channel: string }).channel)),
          );
        }
        throw error;
      }
    }
    this.merged(delivery, changes);
    await this.emit(changes, plan.local);
  }

  /** The synchronous path of `deliver`; undefined when the store refused the batch (the queue retries and reports it). */
  private deliverNow(delivery: Delivery): Promise<void> | undefined {
    const plan = this.plan(delivery);
    let changes: Change[] = [];
    if (plan.apply) {
      this.setUsers(delivery.presence, plan.options, plan.now);
      try {
        changes = (this.store.applySync as NonNullable<PresenceStore['applySync']>)(delivery.presence, plan.options);
      } catch {
        return undefined;
      }
    }
    this.merged(delivery, changes);
    const emission = this.dispatch(changes, plan.local, changes);
    if (emission.pending.length === 0) return emission.finish();
    // Async handlers: idle() waits for them, as for a queued delivery.
    return this.queue.push(async () => {
      await Promise.all(emission.pending);
      await emission.finish();
    }, 1);
  }

  /** What merging a delivery takes: its notices (a store with a feed), its other events, the apply options. */
  private plan(delivery: Normalised): { local: LocalEvent[]; options: ApplyOptions; now: number; apply: boolean } {
    const local: LocalEvent[] = [];
    const notices: ChannelChange[] = [];
    const feed = this.store.feed !== undefined;
    for (const event of delivery.channel) {
      if (feed && (event.name === 'channel.active' || event.name === 'channel.inactive'))
        notices.push({ type: event.name, ...event.payload });
      else local.push(event);
    }
    const now = this.port.now();
    const options: ApplyOptions = {};
    if (this.options.maxEventAgeMs !== Infinity) options.staleBefore = now - (this.options.maxEventAgeMs ?? this.horizonMs);
    if (notices.length > 0) options.notices = notices;
    return { local, options, now, apply: delivery.presence.length > 0 || notices.length > 0 };
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
        const applied = await this.applyToStore(plan.events, options, this.port.now());
        // Restatements that change nothing visible are not emitted, but they are in the feed: acknowledged all the same.
        const changes = visibleChanges(applied);
        this.port.counter.changed(changes);
        repair = { changes, stored: plan.stored };
        await this.emit(changes, [], applied);
      })
      .then(() => repair);
  }

  /** Emit events that change nothing in the store (drift, reconcile progress), after what is queued. */
  emitLocal(event: LocalEvent): void {
    void this.emit([], [event]);
  }

  /** Close the grace windows that ended (user.leave / user.offline), in the queue. */
  expireUsers(): Promise<void> {
    if (!this.usersOn || this.closed) return Promise.resolve();
    return this.queue
      .push(async () => {
        const changes = await (this.store.expireUsers as NonNullable<PresenceStore['expireUsers']>)(this.userLevels(this.port.now()));
        this.port.counter.changed(changes);
        await this.emit(changes, []);
      }, 1)
      .catch(() => undefined); // reported by the queue; the next tick tries again
  }

  async idle(): Promise<void> {
    await this.queue.idle();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.expiryTimer !== undefined) clearInterval(this.expiryTimer);
    await this.fleet?.close();
    await this.queue.idle();
  }

  private userLevels(now: number): UserLevelOptions {
    const users = this.options.users as NonNullable<ResolvedTrackerOptions['users']>;
    return { graceMs: users.graceMs, lastSeenMs: users.lastSeenMs, now };
  }

  /**
   * The app's user id of a member, as given to the store (`users.id`, else the clientId; the clientId too when
   * the provider is unknown and `users.id` is set); undefined when the receiver tracks no user levels.
   */
  userOf(member: Member, provider: ProviderName | undefined): string | undefined {
    if (!this.usersOn) return undefined;
    const id = (this.options.users as NonNullable<ResolvedTrackerOptions['users']>).id;
    return id === undefined || provider === undefined ? member.clientId : userIdOf(id, member, provider);
  }

  /** With user levels on: each event's user id, and the levels' options for the store. */
  private setUsers(events: PresenceEvent[], options: ApplyOptions, now: number): void {
    if (!this.usersOn) return;
    for (const event of events) event.userId = this.userOf(event.member, event.provider);
    options.users = this.userLevels(now);
  }

  /** store.apply with the user ids set, traced on `presence-webhooks:store.apply` and counted when it fails. */
  private applyToStore(events: PresenceEvent[], options: ApplyOptions, now: number): Promise<Change[]> {
    this.setUsers(events, options, now);
    const apply = () => this.store.apply(events, options);
    const pending = traced(storeApplyTrace)
      ? storeApplyTrace.tracePromise(apply, { receiver: this.port.owner, events: events.length })
      : apply();
    return pending.catch((error: unknown) => {
      this.port.counter.storeFailed();
      throw error;
    });
  }

  /**
   * Emit committed changes and local events; handler failures go to onError as one HandlerError. Changes
   * this instance applied (`own`) are then acknowledged to the fleet.
   */
  private async emit(changes: readonly Change[], events: readonly LocalEvent[], own: readonly Change[] | false = changes): Promise<void> {
    const emission = this.dispatch(changes, events, own);
    if (emission.pending.length > 0) await Promise.all(emission.pending);
    await emission.finish();
  }

  /**
   * Call the handlers now (an instance under emit 'everywhere' leaves the changes it applied to its reader);
   * `finish`, once the async handlers settled: handler failures to onError as one HandlerError, and `own` acknowledged.
   */
  private dispatch(
    changes: readonly Change[],
    events: readonly LocalEvent[],
    own: readonly Change[] | false,
  ): { pending: Promise<void>[]; finish(): Promise<void> } {
    const failures: unknown[] = [];
    const pending: Promise<void>[] = [];
    dispatchAll(this.port.emitter, own === false || this.emitsApplied ? changes : [], events, failures, pending);
    return {
      pending,
      finish: () => {
        if (failures.length > 0) this.port.report(new HandlerError(failures));
        return own !== false && this.fleet !== undefined && own.length > 0 ? this.fleet.emitted(own) : Promise.resolve();
      },
    };
  }
}

/** The app's user id of a member: `users.id`'s answer when it is a non-empty string, else the clientId. */
function userIdOf(id: (member: Member, provider: ProviderName) => string, member: Member, provider: ProviderName): string {
  try {
    const userId = id(member, provider);
    return typeof userId === 'string' && userId !== '' ? userId : member.clientId;
  } catch {
    return member.clientId;
  }
}

/** The object of `value`'s prototype chain that defines `name` itself. */
function definedBy(value: object, name: string): object | null {
  let at: object | null = value;
  while (at !== null && !Object.prototype.hasOwnProperty.call(at, name)) at = Object.getPrototypeOf(at) as object | null;
  return at;
}

function channelsOf(events: readonly PresenceEvent[]): string[] {
  return [...new Set(events.map((e) => e.channel))];
}

/** The store said it cannot answer at all (RedisStore's and PostgresStore's unavailability errors), not "this batch failed". */
function storeUnavailable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'store_unavailable';
}

/** A delivery as one delivery per channel (its presence and channel events), in first-seen order; only `among` when given. */
function byChannel(delivery: Delivery, among?: ReadonlySet<string>): Delivery[] {
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
