import type { Handler } from './emitter.js';
import { TypedEmitter } from './emitter.js';
import type { DriftEvent, PresenceEventName, ProviderName, ReconcileResult, UserPresence } from './events.js';
import { toError, WebhookError } from './errors.js';
import { InFlightBytes } from './http/in-flight.js';
import type { WebhookResponse } from './http/response.js';
import { acceptedResponse, errorResponse } from './http/response.js';
import type { AckMode, ReceiverOptions, RejectInfo } from './options/receiver-options.js';
import { resolveReceiverOptions } from './options/resolve.js';
import type { Accepted, WebhookRequest } from './pipeline/pipeline.js';
import { Pipeline } from './pipeline/pipeline.js';
import { MemoryStore } from './presence/memory-store.js';
import { Inspector, inspectorOff } from './inspector/inspector.js';
import type { InspectorOptions } from './inspector/inspector.js';
import type { ResyncOutcome } from './observe/channels.js';
import {
  deliveriesObserved,
  eventTimestamps,
  handleTrace,
  publishDelivery,
  publishDrift,
  publishReconcile,
  publishRejection,
  publishResync,
  traced,
} from './observe/channels.js';
import type { ReceiverStats } from './observe/stats.js';
import { StatsCounter } from './observe/stats.js';
import { buildProviders } from './providers/index.js';
import { ReadEndpoint } from './read-endpoint.js';
import type { ResyncResult, ResyncTarget } from './resync/resyncer.js';
import { Resyncer } from './resync/resyncer.js';
import type { PresenceStore } from './store.js';
import type { FeedChange, FeedOptions } from './tracker/changes.js';
import { readChanges } from './tracker/changes.js';
import { resolveTrackerOptions } from './tracker/options.js';
import { Tracker } from './tracker/tracker.js';

export type { AckMode, ReceiverOptions, RejectInfo } from './options/receiver-options.js';
export type { WebhookRequest } from './pipeline/pipeline.js';

/** How an adapter wants one delivery acknowledged. */
export interface HandleOptions {
  /**
   * Serverless platforms (Vercel, Cloudflare, Netlify) freeze a function once it answered unless the
   * work is handed to `waitUntil`. Given, an on-receipt receiver answers at once and passes the
   * pending application of the delivery here.
   */
  waitUntil?(promise: Promise<unknown>): void;
  /** Answer only once the store committed this delivery (503 when it failed), whatever the ack mode. */
  awaitCommit?: boolean;
}

/** The limits adapters enforce while reading a body (the receiver checks the size again). */
export interface ReceiverLimits {
  readonly bodyLimit: number;
  readonly bodyTimeoutMs: number;
  readonly maxInFlightBytes: number;
  /** The shared count of bytes being read, for `maxInFlightBytes`. */
  readonly inFlight: InFlightBytes;
}

const RECEIVER_BRAND = Symbol.for('presence-webhooks.receiver');

export interface Receiver {
  /** Subscribe to a typed event; returns the unsubscribe function. */
  on<K extends PresenceEventName>(name: K, handler: Handler<K>): () => void;
  off<K extends PresenceEventName>(name: K, handler: Handler<K>): void;
  /** Where item problems, handler failures and store failures go. Default: console.error. */
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
  /**
   * People, not connections: `get(userId)` (online, channels, members, since, lastSeen) and `count()`
   * (users online app-wide). See "People" in the README.
   */
  readonly users: { get(userId: string): Promise<UserPresence | undefined>; count(): Promise<number> };
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

/** The receiver: a facade over the pipeline (steps 1-5), the delivery queue, the store, the emitter and resync. */
class PresenceReceiver implements Receiver {
  readonly store: PresenceStore;
  readonly bodyLimit: number;
  readonly limits: ReceiverLimits;
  readonly ack: AckMode;
  readonly [RECEIVER_BRAND] = true;
  private readonly emitter = new TypedEmitter();
  private readonly errorHandlers = new Set<(error: Error) => void>();
  private readonly pipeline: Pipeline;
  private readonly tracker: Tracker;
  private readonly resyncer: Resyncer;
  private readonly ownsStore: boolean;
  private readonly reads: ReadEndpoint | undefined;
  private readonly ackTimeoutMs: number;
  private readonly maxQueued: number;
  private readonly rejections: (info: RejectInfo) => void;
  private readonly startup: Promise<ReconcileResult | undefined>;
  private closing = false;
  private readonly counter = new StatsCounter();
  private readonly inspector: Inspector | undefined;

  constructor(input: ReceiverOptions) {
    const options = resolveReceiverOptions(input);
    for (const warning of options.warnings) options.logger.warn(warning);
    const providers = buildProviders(options, Date.now);
    this.ownsStore = options.store === undefined;
    this.store = options.store ?? new MemoryStore();
    this.bodyLimit = options.bodyLimit;
    this.limits = {
      bodyLimit: options.bodyLimit,
      bodyTimeoutMs: options.bodyTimeoutMs,
      maxInFlightBytes: options.maxInFlightBytes,
      inFlight: new InFlightBytes(options.maxInFlightBytes),
    };
    this.ack = options.ack;
    this.ackTimeoutMs = options.ackTimeoutMs;
    this.maxQueued = options.maxQueuedDeliveries;
    this.rejections = options.onReject ?? rateLimitedWarning(options.logger);
    if (options.onError !== undefined) this.errorHandlers.add(options.onError);
    this.pipeline = new Pipeline(providers, options.bodyLimit);
    this.tracker = new Tracker(resolveTrackerOptions(input), {
      store: this.store,
      emitter: this.emitter,
      counter: this.counter,
      report: (error) => this.report(error),
      now: Date.now,
      owner: this,
      retry: { attempts: this.ack === 'after-store' ? 1 : options.retry.attempts, baseDelayMs: options.retry.baseDelayMs },
      merged: (delivery) => this.resyncer.observe(delivery),
      lost: (channels) => this.resyncer.repairSoon(channels),
    });
    this.reads =
      options.readEndpoint === undefined
        ? undefined
        : new ReadEndpoint({ store: this.store, report: (error) => this.report(error) }, options.readEndpoint.token);
    this.resyncer = new Resyncer(options.resync, {
      store: this.store,
      providers,
      repair: (snapshot) => this.tracker.repairChannel(snapshot),
      drift: (event) => {
        this.observeDrift(event);
        this.tracker.emitLocal({ name: 'drift', payload: event });
      },
      progress: (event) => {
        publishReconcile({ receiver: this, provider: event.provider, phase: event.phase, done: event.done, total: event.total });
        this.tracker.emitLocal({ name: 'reconcile', payload: event });
      },
      report: (error) => this.report(error),
      now: Date.now,
      resynced: (provider, channel, result) => this.observeResync(provider, channel, result),
    });
    // The start-up reconcile: a restart (an empty MemoryStore) or an outage (a store holding members who left) is
    // repaired from the providers. Deliveries are accepted and applied meanwhile; a failure is reported, not thrown.
    const reconcilable = providers.some((p) => p.rest !== undefined);
    // A start-up reconcile that did not complete is never silent: a loud warning (whether or not anyone
    // awaits ready()) and a StartupError to onError; ready() still resolves (with complete: false), so a
    // provider's REST outage at boot does not stop the server from taking webhooks.
    this.startup =
      options.resync.onStart && reconcilable
        ? this.resyncer.reconcile().then(
            (result) => {
              if (!result.complete && !this.closing) this.startupFailed(new StartupError(result), options.logger);
              return result;
            },
            (error: unknown) => {
              if (!this.closing) this.startupFailed(new StartupError(undefined, toError(error)), options.logger);
              return undefined;
            },
          )
        : Promise.resolve(undefined);
    this.inspector = options.inspector === undefined ? undefined : this.createInspector(options.inspector);
    this.users = {
      get: (userId) => this.userStore().user(userId),
      count: () => this.userStore().userCount(),
    };
    this.tracker.start();
  }

  readonly users: Receiver['users'];

  private startupFailed(error: StartupError, logger: { warn(message: string): void }): void {
    logger.warn(error.message);
    this.report(error);
  }

  changes(options: FeedOptions = {}): AsyncIterable<FeedChange> {
    return readChanges(this.store, options);
  }

  /** The store's user reads, or a clear error when it has none. */
  private userStore(): Required<Pick<PresenceStore, 'user' | 'userCount'>> {
    const { store } = this;
    if (typeof store.user !== 'function' || typeof store.userCount !== 'function')
      throw new TypeError('presence-webhooks: receiver.users needs a store with user levels (MemoryStore, RedisStore, PostgresStore)');
    return {
      user: (id) => (store.user as NonNullable<PresenceStore['user']>)(id),
      userCount: () => (store.userCount as () => Promise<number>)(),
    };
  }

  on<K extends PresenceEventName>(name: K, handler: Handler<K>): () => void {
    return this.emitter.on(name, handler);
  }

  off<K extends PresenceEventName>(name: K, handler: Handler<K>): void {
    this.emitter.off(name, handler);
  }

  onError(handler: (error: Error) => void): () => void {
    this.errorHandlers.add(handler);
    return () => this.errorHandlers.delete(handler);
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

  handle(request: WebhookRequest, options: HandleOptions = {}): Promise<WebhookResponse> {
    if (!traced(handleTrace)) return this.respond(request, options);
    // The trace context never carries the body.
    return handleTrace.tracePromise(() => this.respond(request, options), {
      receiver: this,
      request: { method: request.method, headers: request.headers, url: request.url },
    });
  }

  private async respond(request: WebhookRequest, options: HandleOptions): Promise<WebhookResponse> {
    let accepted: Accepted;
    try {
      const inspected = this.inspector !== undefined ? this.inspector.answer(request) : inspectorOff(request);
      if (inspected !== undefined) return await inspected;
      const read = this.reads?.answer(request);
      if (read !== undefined) return await read;
      const pending = this.pipeline.run(request);
      accepted = pending instanceof Promise ? await pending : pending;
    } catch (error) {
      if (error instanceof WebhookError) return this.refuse(error, request);
      // Nothing escapes: an unexpected failure is a generic 500 (no stack, no input echoed), and onError learns why.
      this.report(toError(error));
      return this.refuse(new WebhookError(500, 'internal_error', 'The webhook could not be processed'), request);
    }
    this.observeAccepted(accepted);
    for (const problem of accepted.problems) this.report(problem);
    if (this.tracker.depth >= this.maxQueued) {
      const busy = new WebhookError(
        503,
        'server_busy',
        `${this.tracker.depth} deliveries are waiting for the store (maxQueuedDeliveries ${this.maxQueued}); retry the delivery`,
      );
      this.report(busy);
      return this.refuse(busy, request);
    }
    const done = this.tracker.deliver(accepted);
    if (this.ack === 'after-store' || options.awaitCommit === true) {
      const outcome = await settleWithin(done, this.ackTimeoutMs);
      if (outcome === 'failed')
        return this.refuse(new WebhookError(503, 'store_failed', 'The presence store is unavailable; retry the delivery'), request);
      if (outcome === 'timeout') {
        return this.refuse(
          new WebhookError(
            503,
            'store_failed',
            `The presence store did not commit within ${this.ackTimeoutMs} ms (ackTimeoutMs); retry the delivery`,
          ),
          request,
        );
      }
    } else {
      const settled = done.catch(() => undefined); // reported by the queue
      try {
        options.waitUntil?.(settled);
      } catch (error) {
        this.report(toError(error)); // handle() never throws: the delivery is queued all the same
      }
    }
    return acceptedResponse(accepted.presence.length + accepted.channel.length, accepted.problems.length);
  }

  /**
   * Answer a refusal: tell onReject (or the rate-limited log) about it, never the body nor a secret;
   * count it, publish it, show it in the inspector.
   */
  private refuse(error: WebhookError, request: WebhookRequest): WebhookResponse {
    const info: RejectInfo = { status: error.status, code: error.code, reason: error.message };
    const provider = error.details?.provider;
    if (provider === 'ably' || provider === 'pubnub' || provider === 'pusher') info.provider = provider;
    if (typeof error.details?.keyName === 'string') info.keyName = error.details.keyName;
    if (request.remoteAddress !== undefined) info.remoteAddress = request.remoteAddress;
    try {
      this.rejections(info);
    } catch (inner) {
      this.report(toError(inner));
    }
    this.counter.rejected(info.code);
    publishRejection({ receiver: this, status: info.status, code: info.code, message: info.reason });
    this.inspector?.notify({ type: 'rejection', status: info.status, code: info.code, message: info.reason });
    return errorResponse(error);
  }

  /** An accepted delivery, before its merge: its events' provider timestamps, for the delivery lag. */
  private observeAccepted(accepted: Accepted): void {
    if (deliveriesObserved())
      publishDelivery({
        receiver: this,
        provider: accepted.provider,
        receivedAt: Date.now(),
        timestamps: eventTimestamps(accepted.presence, accepted.channel),
      });
  }

  private observeDrift(event: DriftEvent): void {
    this.counter.drifted(event.provider);
    publishDrift({ receiver: this, ...event });
  }

  private observeResync(provider: ProviderName, channel: string, result: ResyncResult | Error): void {
    const outcome: ResyncOutcome = result instanceof Error ? 'failed' : result.complete ? 'complete' : 'incomplete';
    const changes = result instanceof Error ? 0 : result.changes.length;
    this.counter.resynced(provider, outcome);
    publishResync({ receiver: this, provider, channel, outcome, changes, ...(result instanceof Error ? { error: result.message } : {}) });
    this.inspector?.notify({ type: 'resync', provider, channel, outcome, changes });
  }

  private createInspector(options: InspectorOptions): Inspector {
    return new Inspector(
      {
        store: this.store,
        stats: () => this.stats(),
        resync: (channel) => this.resync(channel),
        on: (name, handler) => this.on(name, handler),
        report: (error) => this.report(error),
      },
      options,
    );
  }

  private report(error: Error): void {
    if (this.errorHandlers.size === 0) {
      console.error('presence-webhooks:', error.message);
      return;
    }
    for (const handler of this.errorHandlers) {
      try {
        handler(error);
      } catch (inner) {
        console.error('presence-webhooks: onError handler threw:', toError(inner).message);
      }
    }
  }
}

/** The start-up reconcile did not complete: logged as a warning and sent to onError (ready() resolves all the same). */
export class StartupError extends Error {
  readonly code = 'resync_failed';
  constructor(
    readonly result: ReconcileResult | undefined,
    cause?: Error,
  ) {
    const failed = result === undefined ? [] : result.failed;
    const listed = failed.slice(0, 5).join(', ') + (failed.length > 5 ? `, ... (${failed.length} in all)` : '');
    const what =
      cause !== undefined
        ? `failed: ${cause.message}`
        : `did not complete (channels failed: ${listed || 'none, but a listing was partial'}; ${result?.changes ?? 0} changes applied)`;
    super(
      `presence-webhooks: the start-up reconcile ${what}. Channels may be wrong until the next reconcile ` +
        "(resync.everyMs, or call receiver.reconcile()); webhooks are taken meanwhile. Check the providers' REST settings (rest.baseUrl, keys) and reachability.",
    );
    this.name = 'StartupError';
  }
}

/** How a commit went within the ack bound. The delivery stays queued after a timeout: a later commit is harmless. */
function settleWithin(done: Promise<void>, ms: number): Promise<'ok' | 'failed' | 'timeout'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    done.then(
      () => {
        clearTimeout(timer);
        resolve('ok');
      },
      () => {
        clearTimeout(timer);
        resolve('failed');
      },
    );
  });
}

/** The default onReject: one warning per code per minute, so a flood of forged requests cannot flood the log. */
const REJECT_LOG_INTERVAL_MS = 60_000;

function rateLimitedWarning(logger: { warn(message: string): void }): (info: RejectInfo) => void {
  const last = new Map<string, number>();
  return (info) => {
    const now = Date.now();
    const at = last.get(info.code);
    if (at !== undefined && now - at < REJECT_LOG_INTERVAL_MS) return;
    last.set(info.code, now);
    const about = [
      info.provider,
      info.keyName === undefined ? undefined : `key ${info.keyName}`,
      info.remoteAddress === undefined ? undefined : `from ${info.remoteAddress}`,
    ].filter((x) => x !== undefined);
    logger.warn(
      `presence-webhooks: refused a webhook: ${info.status} ${info.code}${about.length > 0 ? ` (${about.join(', ')})` : ''}: ${info.reason} [further ${info.code} refusals are not logged for 60 s]`,
    );
  };
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
