import type {
  Change,
  DriftEvent,
  ProviderName,
  ProviderReconcileResult,
  ReconcileEvent,
  ReconcileResult,
  ReportedOccupancy,
} from '../events.js';
import { ReceiverError, toError } from '../errors.js';
import type { Normalised, Provider } from '../providers/provider.js';
import type { Snapshot } from '../providers/snapshot.js';
import { ResyncError } from '../rest/resync-error.js';
import type { PresenceStore } from '../store.js';
import { DEFAULT_TOMBSTONE_HORIZON_MS } from '../store.js';
import { ChannelBook } from './channel-book.js';
import { CheckScheduler } from './check-scheduler.js';
import { detectDrift } from './drift.js';
import type { ResolvedResyncOptions } from './options.js';
import { RateLimiter } from './rate-limit.js';
import { isMemberOf, listedCount } from './repair.js';
import { reconcileProvider } from './reconcile.js';
import { runOncePerFleet } from './lease-runner.js';

/** Dead channels' notes are looked for at most this often (ms), and at most this many per pass. */
const FORGET_EVERY_MIN_MS = 1000;
const FORGET_BATCH = 1000;

/** What one resync did. */
export interface ResyncResult {
  channel: string;
  provider: ProviderName;
  /** The time the snapshot stands for (ms): stored members older than this and not listed left. */
  snapshotTime: number;
  /** Members the provider listed. */
  reported: number;
  /** Members of this provider the store held for the channel before the repair. */
  stored: number;
  /** The effective changes of the repair, emitted as join / update / leave (reason 'resync') events (and the user levels they moved). */
  changes: Change[];
  /** False when the provider listed fewer members than it counted: members were added, none removed. */
  complete: boolean;
}

export interface ResyncTarget {
  /** The provider; by default the one whose events the channel carried. */
  provider?: ProviderName;
}

/** What merging a snapshot did: its visible effective changes, and how many of the provider's members the store held before. */
export interface Repair {
  changes: Change[];
  stored: number;
}

/**
 * The one port between the receiver and the resync policy: the store to read, the configured
 * providers (their REST side), and the one writer's repair.
 */
export interface ResyncPort {
  store: PresenceStore;
  providers: readonly Provider[];
  /** The tracker's `repairChannel`: merge a snapshot like a delivery, in its queue, and emit its visible changes. */
  repair(snapshot: Snapshot): Promise<Repair>;
  /** Emit a drift event. */
  drift(event: DriftEvent): void;
  /** Emit a reconcile progress event. */
  progress(event: ReconcileEvent): void;
  report(error: Error): void;
  now(): number;
  /** Told how each resync ended (observability: stats and the resync channel). */
  resynced?(provider: ProviderName, channel: string, result: ResyncResult | Error): void;
}

/**
 * Detects drift between the store and what the providers report, and repairs it from their REST
 * presence APIs. The snapshot is fetched outside the delivery queue (deliveries keep flowing while
 * it is in flight); the merge and the emission of its changes run in the queue, like a delivery.
 */
export class Resyncer {
  private readonly book: ChannelBook;
  /** A channel not noted for this long (the store's horizon) and holding nobody is freed by the store: its notes go too. */
  private readonly horizonMs: number;
  private lastForget: number;
  private forgetting = false;
  private readonly limiter: RateLimiter<ResyncResult>;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly scheduler: CheckScheduler | undefined;
  private readonly abort = new AbortController();
  private readonly byName = new Map<ProviderName, Provider>();
  private closed = false;

  constructor(
    private readonly options: ResolvedResyncOptions,
    private readonly port: ResyncPort,
  ) {
    for (const provider of port.providers) this.byName.set(provider.name, provider);
    this.book = new ChannelBook(port.now);
    const horizon = port.store.tombstoneHorizonMs;
    this.horizonMs = typeof horizon === 'number' && horizon >= 0 ? horizon : DEFAULT_TOMBSTONE_HORIZON_MS;
    this.lastForget = port.now();
    this.limiter = new RateLimiter(options.minIntervalMs, port.now);
    if (options.detect) {
      this.scheduler = new CheckScheduler(options.graceMs, (channel) => void this.track(this.check(channel)));
      this.scheduler.every(options.everyMs, () =>
        this.reconcile().then(
          () => undefined,
          (error: unknown) => void (this.closed || this.port.report(toError(error))),
        ),
      );
    }
  }

  /** Learn from an applied delivery: which provider a channel belongs to, and its reported figures. */
  observe(normalised: Normalised): void {
    this.forgetDeadSoon();
    for (const event of normalised.presence) {
      const notes = this.book.note(event.channel, event.provider);
      if (this.scheduler === undefined) continue;
      if (notes.lastEventAt === undefined || event.order.ts > notes.lastEventAt) notes.lastEventAt = event.order.ts;
      if (event.reported !== undefined) this.scheduler.defer(event.channel);
    }
    for (const event of normalised.channel) {
      if (event.name !== 'occupancy') continue;
      const { channel, provider, occupancy, timestamp } = event.payload;
      const notes = this.book.note(channel, provider);
      if (this.scheduler === undefined || occupancy === undefined) continue;
      if (notes.reported === undefined || timestamp >= notes.reported.timestamp) notes.reported = { occupancy, timestamp };
      this.scheduler.defer(channel);
    }
  }

  /**
   * Channels whose delivery the store could not take after its retries: repair each from its provider's
   * REST API soon (when it has one configured), so that nothing given up stays wrong silently.
   */
  repairSoon(channels: readonly string[]): void {
    if (this.closed) return;
    for (const channel of channels) {
      const provider = this.book.get(channel)?.provider;
      if (provider === undefined || this.byName.get(provider)?.rest === undefined) continue;
      const timer = setTimeout(() => void this.resync(channel, { provider }).catch(() => undefined), this.options.minIntervalMs);
      timer.unref?.();
    }
  }

  /** Repair a channel from its provider's REST API (rate-limited per channel). */
  resync(channel: string, target: ResyncTarget = {}): Promise<ResyncResult> {
    return this.track(
      (async () => {
        if (this.closed) throw new ReceiverError('receiver_closed', 'the receiver is closed');
        const provider = target.provider ?? (await this.providerFor(channel, true));
        if (provider === undefined) {
          const names = this.port.providers.map((p) => `'${p.name}'`).join(' | ');
          throw new ReceiverError(
            'unknown_provider',
            `resync("${channel}"): no event of this channel was seen and it holds no member: pass { provider: ${names} }`,
          );
        }
        return this.run(channel, provider);
      })(),
    );
  }

  /** Resolves once no snapshot is in flight and every repair is applied and emitted. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Stop the timers and abort the requests in flight. */
  close(): void {
    this.closed = true;
    this.scheduler?.close();
    this.abort.abort();
  }

  /**
   * Drop the notes of channels the store has freed: not noted for a horizon and holding nobody. A
   * channel that still holds members is looked at again a horizon later. At most one pass at a
   * time, at most every quarter horizon (and second), of at most FORGET_BATCH channels.
   */
  private forgetDeadSoon(): void {
    const now = this.port.now();
    if (this.forgetting || this.closed || now - this.lastForget < Math.max(this.horizonMs / 4, FORGET_EVERY_MIN_MS)) return;
    this.lastForget = now;
    const stale = this.book.unseenSince(now - this.horizonMs, FORGET_BATCH);
    if (stale.length === 0) return;
    this.forgetting = true;
    void this.track(
      (async () => {
        try {
          for (const channel of stale) {
            if (this.closed) return;
            const before = this.book.get(channel);
            if (before === undefined) continue;
            const seenAt = before.seenAt;
            const occupancy = await this.port.store.occupancy(channel);
            // Noted again while the store was asked: alive.
            if (this.book.get(channel) !== before || before.seenAt !== seenAt) continue;
            if (occupancy === 0) this.book.forget(channel);
            else this.book.touch(channel);
          }
        } catch (error) {
          if (!this.closed) this.port.report(toError(error));
        } finally {
          this.forgetting = false;
        }
      })(),
    );
  }

  /**
   * A channel's provider, the one rule for resync and reconcile: the provider whose events it carried;
   * else the only configured one; else the only provider its stored members can belong to
   * (connections or users). Undefined when that does not tell (PubNub and Pusher members are both
   * users): such a channel is left alone rather than swept with the wrong provider's snapshot.
   */
  private async providerFor(channel: string, inferFromStore: boolean): Promise<ProviderName | undefined> {
    const seen = this.book.get(channel)?.provider;
    if (seen !== undefined) return seen;
    const { providers } = this.port;
    if (providers.length === 1) return providers[0]?.name;
    if (!inferFromStore) return undefined;
    const members = await this.port.store.members(channel);
    if (members.length === 0) return undefined;
    const owners = providers.filter((p) => members.every((m) => isMemberOf(m, p.name)));
    return owners.length === 1 ? owners[0]?.name : undefined;
  }

  private noteRepaired(channel: string, provider: ProviderName, time: number): void {
    const notes = this.book.note(channel, provider);
    notes.repairedAt = Math.max(time, notes.repairedAt ?? time);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    const done = () => void this.inflight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  /** One repair of a channel per window (resync.minIntervalMs): a call inside it gets the running or last result. */
  private run(channel: string, provider: ProviderName): Promise<ResyncResult> {
    return this.limiter.run(`${provider}\u0000${channel}`, 'repair', () => this.track(this.execute(channel, provider)));
  }

  private async execute(channel: string, provider: ProviderName): Promise<ResyncResult> {
    try {
      const rest = this.byName.get(provider);
      if (rest?.rest === undefined) throw new ResyncError(provider, channel, rest?.restMissing ?? `${provider} is not configured`);
      const snapshot = await rest.rest.snapshot(channel, this.abort.signal);
      for (const problem of snapshot.problems) this.port.report(problem);
      const { changes, stored } = await this.port.repair(snapshot);
      if (snapshot.complete) this.noteRepaired(channel, provider, snapshot.time);
      const result: ResyncResult = {
        channel,
        provider,
        snapshotTime: snapshot.time,
        reported: listedCount(snapshot),
        stored,
        changes,
        complete: snapshot.complete,
      };
      this.port.resynced?.(provider, channel, result);
      return result;
    } catch (error) {
      const failure = toError(error);
      this.port.resynced?.(provider, channel, failure);
      if (!this.closed) this.port.report(failure);
      throw failure;
    }
  }

  /** The debounced check of a channel's reported figure against the store's count. */
  private async check(channel: string): Promise<void> {
    try {
      const notes = this.book.get(channel);
      if (notes === undefined || this.closed) return;
      const { provider } = notes;
      const key = `${provider}\u0000${channel}`;
      if (this.limiter.isRunning(key)) return void this.scheduler?.defer(channel); // look again once it is done
      const reported = await this.reportedFor(channel, notes);
      if (reported === undefined) return;
      if ((notes.lastEventAt ?? Number.NEGATIVE_INFINITY) > reported.timestamp) return; // newer events: the figure is stale
      if ((notes.repairedAt ?? Number.NEGATIVE_INFINITY) >= reported.timestamp) return; // a newer snapshot was applied
      const stored = await this.port.store.occupancy(channel);
      const drift = detectDrift({ channel, provider, reported: reported.occupancy, stored, now: this.port.now() });
      if (drift === undefined || this.closed) return;
      if (this.options.onDrift) {
        // Inside the rate limit's window the last repair would be reused: look again once a new one may run.
        const wait = this.limiter.waitFor(key, 'repair');
        if (wait > 0) this.scheduler?.defer(channel, wait);
        else this.run(channel, provider).catch(() => undefined); // reported by execute
      }
      this.port.drift(drift);
    } catch (error) {
      this.port.report(toError(error));
    }
  }

  /** The newest figure the provider reported: with PubNub events (kept by the store) or in an `occupancy` event. */
  private async reportedFor(
    channel: string,
    notes: { provider: ProviderName; reported?: ReportedOccupancy },
  ): Promise<ReportedOccupancy | undefined> {
    const fromEvent = notes.reported;
    if (notes.provider !== 'pubnub') return fromEvent;
    const fromStore = await this.port.store.reportedOccupancy(channel);
    if (fromStore === undefined) return fromEvent;
    return fromEvent !== undefined && fromEvent.timestamp > fromStore.timestamp ? fromEvent : fromStore;
  }

  private running: Promise<ReconcileResult> | undefined;

  /**
   * The whole app, batched, once per fleet: each configured provider (or `target.provider`) lists its
   * channels, and those with the store's channels of that provider are repaired from the provider's
   * snapshots. With a shared store only one instance runs it (the store's lease); the others wait
   * for it to finish (ranHere: false). A call while one runs here gets the running one.
   */
  reconcile(target: ResyncTarget = {}): Promise<ReconcileResult> {
    if (this.closed) return Promise.reject(new ReceiverError('receiver_closed', 'the receiver is closed'));
    if (target.provider === undefined && this.running !== undefined) return this.running;
    const run = this.track(this.reconcileOnce(target));
    if (target.provider === undefined) {
      this.running = run;
      const done = () => void (this.running = undefined);
      run.then(done, done);
    }
    return run;
  }

  private async reconcileOnce(target: ResyncTarget): Promise<ReconcileResult> {
    const started = this.port.now();
    const providers = this.port.providers.filter(
      (p) => p.rest !== undefined && (target.provider === undefined || p.name === target.provider),
    );
    if (target.provider !== undefined && providers.length === 0) {
      const provider = this.byName.get(target.provider);
      throw new ResyncError(target.provider, '*', provider?.restMissing ?? `${target.provider} is not configured`);
    }
    // One lease for every reconcile, whole or of one provider: two never sweep a provider at once across the fleet.
    const outcome = await runOncePerFleet(this.port.store, 'reconcile', { signal: this.abort.signal }, (signal) =>
      this.reconcileHere(providers, signal),
    );
    if (outcome.ran) return { ...outcome.value, durationMs: this.port.now() - started };
    return {
      channels: 0,
      changes: 0,
      requests: 0,
      complete: true,
      failed: [],
      durationMs: this.port.now() - started,
      providers: {},
      ranHere: false,
    };
  }

  private async reconcileHere(providers: readonly Provider[], signal: AbortSignal): Promise<ReconcileResult> {
    const total: ReconcileResult = {
      channels: 0,
      changes: 0,
      requests: 0,
      complete: true,
      failed: [],
      durationMs: 0,
      providers: {},
      ranHere: true,
    };
    const { concurrency, maxRequestsPerSecond } = this.options;
    for (const provider of providers) {
      const known = await this.storedChannelsOf(provider.name, signal);
      const result: ProviderReconcileResult = await reconcileProvider(
        provider,
        known,
        { concurrency, maxRequestsPerSecond, signal },
        {
          repair: (snapshot) => this.port.repair(snapshot),
          progress: (event) => this.port.progress(event),
          repaired: (channel, time) => this.noteRepaired(channel, provider.name, time),
          drift: (event) => this.port.drift(event),
          report: (error) => this.port.report(error),
          now: () => this.port.now(),
        },
      );
      total.providers[provider.name] = result;
      total.channels += result.channels;
      total.changes += result.changes;
      total.requests += result.requests;
      total.complete &&= result.complete;
      for (const channel of result.failed)
        total.failed.push(provider.name === providers[0]?.name ? channel : `${provider.name}:${channel}`);
    }
    return total;
  }

  /** The store's channels that belong to `provider` (by `providerFor`), noted in the book once found. */
  private async storedChannelsOf(provider: ProviderName, signal: AbortSignal): Promise<string[]> {
    const own: string[] = [];
    for (const channel of await this.port.store.channels()) {
      if (signal.aborted) break;
      const owner = await this.providerFor(channel, true);
      if (owner === undefined) continue;
      if (this.book.get(channel)?.provider !== owner) this.book.note(channel, owner);
      if (owner === provider) own.push(channel);
    }
    return own;
  }
}
