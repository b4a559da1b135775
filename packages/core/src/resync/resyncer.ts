import type { DriftEvent, PresenceChange, ProviderName, ReportedOccupancy } from '../events.js';
import type { Normalised } from '../providers/provider.js';
import type { PresenceStore } from '../store.js';
import { CheckScheduler } from './check-scheduler.js';
import { detectDrift } from './drift.js';
import { BoundedMap } from './bounded-map.js';
import type { ResolvedResyncOptions } from './options.js';
import type { RunMode } from './rate-limit.js';
import { RateLimiter } from './rate-limit.js';
import { listedCount, ownMembers, repairEvents, visibleChanges } from './repair.js';
import { ResyncError } from '../rest/resync-error.js';
import type { SnapshotSources } from './sources.js';
import { MISSING_SOURCE } from './sources.js';

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
  /** The effective changes of the repair, emitted as join / update / leave (reason 'resync') events. */
  changes: PresenceChange[];
  /** False when the provider listed fewer members than it counted: members were added, none removed. */
  complete: boolean;
}

export interface ResyncTarget {
  /** The provider; by default the one whose events the channel carried. */
  provider?: ProviderName;
}

export interface ResyncerDeps {
  options: ResolvedResyncOptions;
  sources: SnapshotSources;
  /** The providers the receiver is configured for. */
  providers: readonly ProviderName[];
  store: PresenceStore;
  /** Runs a job in the receiver's delivery queue, after the deliveries accepted before it. */
  enqueue: (job: () => Promise<void>) => Promise<void>;
  /** The receiver's emission path for effective changes. */
  emitChanges: (changes: readonly PresenceChange[]) => Promise<void>;
  emitDrift: (event: DriftEvent) => void;
  report: (error: Error) => void;
  now: () => number;
}

/**
 * Detects drift between the store and what the providers report, and repairs it from their REST
 * presence APIs. The snapshot is fetched outside the delivery queue (deliveries keep flowing while
 * it is in flight); the merge and the emission of its changes run in the queue, like a delivery.
 */
/** Per-channel state is kept for at most this many channels each (the oldest is forgotten first). */
const MAX_REMEMBERED_CHANNELS = 100_000;

export class Resyncer {
  /** channel -> the provider whose events it carried. */
  private readonly providerOf = new BoundedMap<string, ProviderName>(MAX_REMEMBERED_CHANNELS);
  /** channel -> the newest event time seen (a reported figure older than that proves nothing). */
  private readonly lastEventAt = new BoundedMap<string, number>(MAX_REMEMBERED_CHANNELS);
  /** channel -> the newest occupancy an `occupancy` event reported. */
  private readonly reported = new BoundedMap<string, ReportedOccupancy>(MAX_REMEMBERED_CHANNELS);
  /** channel -> the time of the last complete snapshot applied: a reported figure older than that is superseded. */
  private readonly repairedAt = new BoundedMap<string, number>(MAX_REMEMBERED_CHANNELS);
  /** Channels with events since the last periodic sweep (filled only when there is one: it empties it). */
  private touched = new Set<string>();
  private readonly limiter: RateLimiter<ResyncResult>;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly scheduler: CheckScheduler | undefined;
  private readonly abort = new AbortController();
  private closed = false;

  constructor(private readonly deps: ResyncerDeps) {
    const { options } = deps;
    this.limiter = new RateLimiter(options.minIntervalMs, deps.now);
    if (options.detect) {
      this.scheduler = new CheckScheduler(options.graceMs, (channel) => void this.track(this.check(channel)));
      this.scheduler.every(options.everyMs, () => this.sweep());
    }
  }

  /** Learn from an applied delivery: which provider a channel belongs to, and its reported figures. */
  observe(normalised: Normalised): void {
    for (const event of normalised.presence) {
      this.remember(event.channel, event.provider);
      if (this.scheduler === undefined) continue;
      this.touch(event.channel, event.order.ts);
      if (event.reported !== undefined) this.scheduler.defer(event.channel);
    }
    for (const event of normalised.channel) {
      if (event.name !== 'occupancy') continue;
      const { channel, provider, occupancy, timestamp } = event.payload;
      this.remember(channel, provider);
      if (this.scheduler === undefined || occupancy === undefined) continue;
      const held = this.reported.get(channel);
      if (held === undefined || timestamp >= held.timestamp) this.reported.set(channel, { occupancy, timestamp });
      this.markTouched(channel);
      this.scheduler.defer(channel);
    }
  }

  /**
   * Which provider a channel's events came from, for resync(channel) without { provider }. Written
   * only when it changes, and bounded: channels with dynamic names must not grow it forever (the
   * oldest is forgotten; resync then falls back to the store's members).
   */
  private remember(channel: string, provider: ProviderName): void {
    if (this.providerOf.get(channel) !== provider) this.providerOf.set(channel, provider);
  }

  /** Repair a channel from its provider's REST API (rate-limited per channel). */
  resync(channel: string, target: ResyncTarget = {}): Promise<ResyncResult> {
    return this.track(
      (async () => {
        if (this.closed) throw new Error('presence-webhooks: the receiver is closed');
        const provider = target.provider ?? (await this.providerFor(channel, true));
        if (provider === undefined) throw new Error(`presence-webhooks: resync("${channel}"): no event of this channel was seen and it holds no member: pass { provider: ${this.deps.providers.map((p) => `'${p}'`).join(' | ')} }`);
        return this.run(channel, provider, 'repair', false);
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

  private touch(channel: string, ts: number): void {
    const last = this.lastEventAt.get(channel);
    if (last === undefined || ts > last) this.lastEventAt.set(channel, ts);
    this.markTouched(channel);
  }

  /** Without a periodic sweep nothing would ever empty `touched`. */
  private markTouched(channel: string): void {
    if (this.deps.options.everyMs > 0) this.touched.add(channel);
  }

  /** Seen events first; else the only configured provider; else what the stored members say (Ably members have a connectionId). */
  private async providerFor(channel: string, inferFromStore: boolean): Promise<ProviderName | undefined> {
    const seen = this.providerOf.get(channel);
    if (seen !== undefined) return seen;
    if (this.deps.providers.length === 1) return this.deps.providers[0];
    if (!inferFromStore) return undefined;
    const members = await this.deps.store.members(channel);
    if (members.length === 0) return undefined;
    return members.every((m) => m.connectionId === undefined) ? 'pubnub' : members.every((m) => m.connectionId !== undefined) ? 'ably' : undefined;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    const done = () => void this.inflight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  /** One snapshot request per channel per window; `reportDrift` makes the run itself a detection (periodic sweeps). */
  private run(channel: string, provider: ProviderName, mode: RunMode, reportDrift: boolean): Promise<ResyncResult> {
    return this.limiter.run(`${provider}\u0000${channel}`, mode, () => this.track(this.execute(channel, provider, mode, reportDrift)));
  }

  private async execute(channel: string, provider: ProviderName, mode: RunMode, reportDrift: boolean): Promise<ResyncResult> {
    try {
      const source = this.deps.sources[provider];
      if (source === undefined) throw new ResyncError(provider, channel, MISSING_SOURCE[provider]);
      const snapshot = await source(channel, this.abort.signal);
      for (const problem of snapshot.problems) this.deps.report(problem);
      let result: ResyncResult | undefined;
      await this.deps.enqueue(async () => {
        const { store } = this.deps;
        const stored = ownMembers(await store.members(channel), snapshot);
        let changes: PresenceChange[] = [];
        if (mode === 'repair') {
          changes = visibleChanges(await store.apply(repairEvents(snapshot, stored)));
          if (snapshot.complete) this.repairedAt.set(channel, Math.max(snapshot.time, this.repairedAt.get(channel) ?? snapshot.time));
          await this.deps.emitChanges(changes);
        }
        result = { channel, provider, snapshotTime: snapshot.time, reported: listedCount(snapshot), stored: stored.length, changes, complete: snapshot.complete };
        if (reportDrift) this.reportSnapshotDrift(result);
      });
      return result as ResyncResult;
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      if (!this.closed) this.deps.report(failure);
      throw failure;
    }
  }

  /**
   * A periodic sweep's verdict. A repair drifted when it changed something; a detect-only run when
   * the counts differ, unless an event newer than the snapshot is known (then the snapshot proves nothing).
   */
  private reportSnapshotDrift(result: ResyncResult): void {
    const { channel, provider, reported, stored } = result;
    const now = this.deps.now();
    if (result.changes.length > 0) {
      this.deps.emitDrift({ channel, provider, reported, stored, timestamp: now });
      return;
    }
    if ((this.lastEventAt.get(channel) ?? Number.NEGATIVE_INFINITY) > result.snapshotTime) return;
    const drift = detectDrift({ channel, provider, reported, stored, now });
    if (drift !== undefined && result.complete) this.deps.emitDrift(drift);
  }

  /** The debounced check of a channel's reported figure against the store's count. */
  private async check(channel: string): Promise<void> {
    try {
      const provider = this.providerOf.get(channel);
      if (provider === undefined || this.closed) return;
      const key = `${provider}\u0000${channel}`;
      if (this.limiter.isRunning(key)) return void this.scheduler?.defer(channel); // look again once it is done
      const reported = await this.reportedFor(channel, provider);
      if (reported === undefined) return;
      if ((this.lastEventAt.get(channel) ?? Number.NEGATIVE_INFINITY) > reported.timestamp) return; // newer events: the figure is stale
      if ((this.repairedAt.get(channel) ?? Number.NEGATIVE_INFINITY) >= reported.timestamp) return; // a newer snapshot was applied
      const stored = await this.deps.store.occupancy(channel);
      const drift = detectDrift({ channel, provider, reported: reported.occupancy, stored, now: this.deps.now() });
      if (drift === undefined || this.closed) return;
      if (this.deps.options.onDrift) {
        // Inside the rate limit's window the last repair would be reused: look again once a new one may run.
        const wait = this.limiter.waitFor(key, 'repair');
        if (wait > 0) this.scheduler?.defer(channel, wait);
        else this.run(channel, provider, 'repair', false).catch(() => undefined); // reported by execute
      }
      this.deps.emitDrift(drift);
    } catch (error) {
      this.deps.report(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The newest figure the provider reported: with PubNub events (kept by the store) or in an `occupancy` event. */
  private async reportedFor(channel: string, provider: ProviderName): Promise<ReportedOccupancy | undefined> {
    const fromEvent = this.reported.get(channel);
    if (provider !== 'pubnub') return fromEvent;
    const fromStore = await this.deps.store.reportedOccupancy(channel);
    if (fromStore === undefined) return fromEvent;
    return fromEvent !== undefined && fromEvent.timestamp > fromStore.timestamp ? fromEvent : fromStore;
  }

  /** Every active channel (holding members, or with events since the last sweep) against its provider's snapshot. */
  private async sweep(): Promise<void> {
    try {
      const channels = new Set([...(await this.deps.store.channels()), ...this.touched]);
      this.touched = new Set();
      for (const channel of channels) {
        if (this.closed) return;
        const provider = await this.providerFor(channel, true);
        if (provider === undefined || this.deps.sources[provider] === undefined) continue;
        await this.track(this.run(channel, provider, this.deps.options.onDrift ? 'repair' : 'detect', true)).catch(() => undefined); // reported by execute
      }
    } catch (error) {
      if (!this.closed) this.deps.report(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
