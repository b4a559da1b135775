import type { Handler } from './emitter.js';
import { TypedEmitter } from './emitter.js';
import { ErrorListeners } from './error-listeners.js';
import type { Member, PresenceEventName, ProviderName, ReconcileResult } from './events.js';
import type { HandleOptions } from './front/front.js';
import { Front } from './front/front.js';
import { rateLimitedWarning } from './front/refusal-log.js';
import type { ReceiverLimits } from './http/body-read.js';
import { receiverLimits } from './http/body-read.js';
import type { WebhookResponse } from './http/response.js';
import { Inspector } from './inspector/inspector.js';
import { handleTrace, traced } from './observe/channels.js';
import { observeResync } from './observe/resync-observer.js';
import type { ReceiverStats } from './observe/stats.js';
import { StatsCounter } from './observe/stats.js';
import type { AckMode, ReceiverOptions } from './options/receiver-options.js';
import { resolveReceiverOptions } from './options/resolve.js';
import type { WebhookRequest } from './pipeline/pipeline.js';
import { Pipeline } from './pipeline/pipeline.js';
import { MemoryStore } from './presence/memory-store.js';
import { buildProviders } from './providers/index.js';
import { ReadEndpoint } from './read-endpoint.js';
import type { ResyncResult, ResyncTarget } from './resync/resyncer.js';
import { Resyncer } from './resync/resyncer.js';
import { startupReconcile } from './startup.js';
import type { PresenceStore } from './store.js';
import type { FeedChange, FeedOptions } from './tracker/changes.js';
import { readChanges } from './tracker/changes.js';
import { resolveTrackerOptions } from './tracker/options.js';
import { Tracker } from './tracker/tracker.js';
import type { UserReads } from './user-reads.js';
import { userReads } from './user-reads.js';

export type { AckMode, ReceiverOptions, RejectInfo } from './options/receiver-options.js';
export type { WebhookRequest } from './pipeline/pipeline.js';
export type { HandleOptions } from './front/front.js';
export { StartupError } from './resync/startup-error.js';

const RECEIVER_BRAND = Symbol.for('presence-webhooks.receiver');
const NO_OPTIONS: HandleOptions = Object.freeze({}); // handle()'s options when an adapter passes none: one object for all

export interface Receiver {
  /** Subscribe to a typed event; returns the unsubscribe function. */
  on<K extends PresenceEventName>(name: K, handler: Handler<K>): () => void;
  off<K extends PresenceEventName>(name: K, handler: Handler<K>): void;
  /** Where item problems, handler failures and store failures go. Default: console.error, one line per error code a minute. */
  onError(handler: (error: Error) => void): () => void;
  /** Answer one webhook request. Never throws. */
  handle(request: WebhookRequest, options?: HandleOptions): Promise<WebhookResponse>;
  /** Resolves once every accepted delivery and every started resync has been applied and its events emitted. */
  idle(): Promise<void>;
  /**
   * Repair a channel from its provider's REST presence API; the repair's effective changes are
   * emitted as join / update / leave (reason 'resync') events. One request per channel per
   * `resync.minIntervalMs`: a call inside the window gets the running or last result.
   */
  resync(channel: string, target?: ResyncTarget): Promise<ResyncResult>;
  /**
   * Rebuild every channel of the app from the providers' REST APIs (all configured providers, or
   * `{ provider }`): the channels each lists together with every channel the store holds, batched,
   * within `resync.concurrency` / `maxRequestsPerSecond`, once per fleet (the store's lease).
   * Repairs are emitted as join / update / leave (reason 'resync'); progress as `reconcile` events.
   */
  reconcile(target?: ResyncTarget): Promise<ReconcileResult>;
  /**
   * Resolves when the start-up reconcile (`resync.onStart`) has finished; at once when there is none.
   * When it could not complete (`complete: false`, or undefined when it failed outright) the receiver has
   * already warned through `logger` and sent a `StartupError` to onError: some channels may be wrong until
   * the next reconcile; it keeps serving webhooks all the same.
   */
  ready(): Promise<ReconcileResult | undefined>;
  /** People, not connections: `get(userId)` (online, channels, members, since, lastSeen), `count()` (online app-wide). */
  readonly users: UserReads;
  /**
   * Every change of the fleet, from the store's feed: from now, or right after `since` (a cursor a change
   * carried). Ends when `signal` aborts; throws `feed_cursor_expired` for a cursor past the retention.
   */
  changes(options?: FeedOptions): AsyncIterable<FeedChange>;
  /** Stop drift timers, abort snapshot requests, wait for idle(), and close the store if the receiver created it. */
  close(): Promise<void>;
  /** A snapshot of the counters: deliveries by provider and outcome, refusals, effective events, store failures, queue depth, resyncs, drift. */
  stats(): ReceiverStats;
  readonly store: PresenceStore;
  readonly bodyLimit: number;
  readonly limits: ReceiverLimits;
  readonly ack: AckMode;
}

/** The composition root: it wires the front (routing, acks, refusals), the one writer (tracker), resync and the reads. */
class PresenceReceiver implements Receiver {
  readonly store: PresenceStore;
  readonly bodyLimit: number;
  readonly limits: ReceiverLimits;
  readonly ack: AckMode;
  readonly users: Receiver['users'];
  readonly [RECEIVER_BRAND] = true;
  private readonly emitter = new TypedEmitter();
  private readonly errors = new ErrorListeners();
  private readonly counter = new StatsCounter();
  private readonly front: Front;
  private readonly tracker: Tracker;
  private readonly resyncer: Resyncer;
  private readonly inspector: Inspector | undefined;
  private readonly ownsStore: boolean;
  private readonly startup: Promise<ReconcileResult | undefined>;
  private closing = false;

  constructor(input: ReceiverOptions) {
    const options = resolveReceiverOptions(input);
    for (const warning of options.warnings) options.logger.warn(warning);
    const providers = buildProviders(options, Date.now);
    const report = (error: Error) => this.errors.report(error);
    if (options.onError !== undefined) this.errors.add(options.onError);
    this.counter.configure(providers.map((provider) => provider.name));
    this.ownsStore = options.store === undefined;
    const store = (this.store = options.store ?? new MemoryStore());
    ({ bodyLimit: this.bodyLimit, ack: this.ack } = options);
    this.limits = receiverLimits(options);
    const retry = { attempts: this.ack === 'after-store' ? 1 : options.retry.attempts, baseDelayMs: options.retry.baseDelayMs };
    const tracker = (this.tracker = new Tracker(resolveTrackerOptions({ ...input, maxClockSkewMs: options.maxClockSkewMs }), {
      store,
      emitter: this.emitter,
      counter: this.counter,
      report,
      now: Date.now,
      owner: this,
      retry,
      merged: (delivery) => this.resyncer.observe(delivery),
      lost: (provider, channels) => this.resyncer.repairSoon(provider, channels),
    }));
    const observed = observeResync({
      owner: this,
      counter: this.counter,
      emit: (event) => tracker.emitLocal(event),
      notify: (notice) => this.inspector?.notify(notice),
    });
    this.resyncer = new Resyncer(options.resync, {
      store,
      providers,
      report,
      now: Date.now,
      ...observed,
      repair: (snapshot) => tracker.repairChannel(snapshot),
    });
    const reconcilable = options.resync.onStart && providers.some((p) => p.rest !== undefined);
    this.startup = reconcilable
      ? startupReconcile(() => this.resyncer.reconcile(), { logger: options.logger, errors: this.errors, closing: () => this.closing })
      : Promise.resolve(undefined);
    const userOf = (member: Member, provider: ProviderName | undefined) => tracker.userOf(member, provider) ?? member.clientId;
    this.inspector =
      options.inspector === undefined
        ? undefined
        : new Inspector(
            {
              store,
              stats: () => this.stats(),
              resync: (channel) => this.resync(channel),
              report,
              on: (name, handler) => this.on(name, handler),
              ...(tracker.usersOn ? { userOf, userCount: () => this.users.count() } : {}),
            },
            options.inspector,
          );
    this.front = new Front({
      owner: this,
      inspector: this.inspector,
      tracker,
      counter: this.counter,
      report,
      ack: options.ack,
      reads:
        options.readEndpoint === undefined
          ? undefined
          : new ReadEndpoint({ store, users: tracker.usersOn, report }, options.readEndpoint.token),
      pipeline: new Pipeline(providers, options.bodyLimit),
      ackTimeoutMs: options.ackTimeoutMs,
      maxQueued: options.maxQueuedDeliveries,
      rejections: options.onReject ?? rateLimitedWarning(options.logger),
    });
    this.users = userReads(store, () => tracker.usersOn);
    tracker.start();
  }

  handle(request: WebhookRequest, options: HandleOptions = NO_OPTIONS): Promise<WebhookResponse> {
    if (!traced(handleTrace)) return this.front.respond(request, options);
    // The trace context never carries the body.
    const { method, headers, url } = request;
    return handleTrace.tracePromise(() => this.front.respond(request, options), { receiver: this, request: { method, headers, url } });
  }

  on<K extends PresenceEventName>(name: K, handler: Handler<K>): () => void {
    return this.emitter.on(name, handler);
  }

  off<K extends PresenceEventName>(name: K, handler: Handler<K>): void {
    this.emitter.off(name, handler);
  }

  onError(handler: (error: Error) => void): () => void {
    return this.errors.add(handler);
  }

  changes(options: FeedOptions = {}): AsyncIterable<FeedChange> {
    return readChanges(this.store, options);
  }

  async idle(): Promise<void> {
    await this.tracker.idle();
    await this.resyncer.idle();
    await this.tracker.idle();
  }

  resync(channel: string, target?: ResyncTarget): Promise<ResyncResult> {
    return this.resyncer.resync(channel, target);
  }

  reconcile(target?: ResyncTarget): Promise<ReconcileResult> {
    return this.resyncer.reconcile(target);
  }

  ready(): Promise<ReconcileResult | undefined> {
    return this.startup;
  }

  stats(): ReceiverStats {
    return this.counter.snapshot(this.tracker.depth);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.resyncer.close();
    this.inspector?.close();
    await this.idle();
    await this.tracker.close();
    if (this.ownsStore) await this.store.close?.();
  }
}

/** Create a receiver: verify, decode and merge presence webhooks, then emit typed events. */
export function createReceiver(options: ReceiverOptions): Receiver {
  return new PresenceReceiver(options);
}

/**
 * True for what createReceiver returns (adapters accept a receiver or its options). A brand, not
 * `instanceof`: it holds when an app ends up with two installed copies of core.
 */
export function isReceiver(value: unknown): value is Receiver {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[RECEIVER_BRAND] === true;
}
