import type { Change, DriftEvent, ProviderName, ReconcileEvent, ReconcileResult } from '../events.js';
import type { Normalised, Provider } from '../providers/provider.js';
import type { Snapshot } from '../providers/snapshot.js';
import type { PresenceStore } from '../store.js';
import { AppReconcile } from './app-reconcile.js';
import { ChannelBook } from './channel-book.js';
import { ChannelResync } from './channel-resync.js';
import { DeadChannelNotes } from './forget-dead.js';
import type { ResolvedResyncOptions } from './options.js';

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

/** What the jobs of the resync share: the port, the channel notes, the providers by name, the close signal, the work in flight. */
export interface ResyncContext {
  readonly port: ResyncPort;
  readonly book: ChannelBook;
  readonly byName: ReadonlyMap<ProviderName, Provider>;
  /** Aborted when the resyncer closes: requests in flight stop, nothing new starts. */
  readonly signal: AbortSignal;
  /** Count `promise` as in flight until it settles (`idle()` waits for it). */
  track<T>(promise: Promise<T>): Promise<T>;
}

/**
 * Keeps the store in line with what the providers report, by job: per-channel drift checks and
 * resyncs (channel-resync.ts), the whole-app reconcile (app-reconcile.ts), the notes of dead channels
 * (forget-dead.ts); which provider owns a channel is channel-owner.ts. They share one book of
 * per-channel notes. Snapshots are fetched outside the delivery queue; their merge goes through the
 * port's `repair` (the one writer).
 */
export class Resyncer {
  private readonly book: ChannelBook;
  private readonly abort = new AbortController();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly channels: ChannelResync;
  private readonly app: AppReconcile;
  private readonly dead: DeadChannelNotes;

  constructor(options: ResolvedResyncOptions, port: ResyncPort) {
    this.book = new ChannelBook(port.now);
    const context: ResyncContext = {
      port,
      book: this.book,
      byName: new Map(port.providers.map((provider) => [provider.name, provider])),
      signal: this.abort.signal,
      track: (promise) => this.track(promise),
    };
    this.dead = new DeadChannelNotes(context);
    this.channels = new ChannelResync(options, context);
    this.app = new AppReconcile(options, context);
  }

  /** Learn from an applied delivery: which provider a channel belongs to, and its reported figures. */
  observe(normalised: Normalised): void {
    this.dead.forgetSoon();
    this.channels.observe(normalised);
  }

  /** Repair soon, from the provider's REST API, channels whose delivery the store could not take after its retries. */
  repairSoon(provider: ProviderName, channels: readonly string[]): void {
    this.channels.repairSoon(provider, channels);
  }

  /** Repair a channel from its provider's REST API (rate-limited per channel). */
  resync(channel: string, target: ResyncTarget = {}): Promise<ResyncResult> {
    return this.channels.resync(channel, target);
  }

  /** The whole app, batched, once per fleet (see AppReconcile). */
  reconcile(target: ResyncTarget = {}): Promise<ReconcileResult> {
    return this.app.reconcile(target);
  }

  /** Resolves once no snapshot is in flight and every repair is applied and emitted. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Stop the timers and abort the requests in flight. */
  close(): void {
    this.channels.close();
    this.app.close();
    this.abort.abort();
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    const done = () => void this.inflight.delete(promise);
    promise.then(done, done);
    return promise;
  }
}
