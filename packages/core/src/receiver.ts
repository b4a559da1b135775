import type { Handler } from './emitter.js';
import { TypedEmitter } from './emitter.js';
import type { DriftEvent, Member, PresenceEventName, ProviderName, ReconcileResult, UserPresence } from './events.js';
import { toError } from './errors.js';
import type { HandleOptions } from './front/front.js';
import { Front } from './front/front.js';
import { rateLimitedWarning } from './front/refusal-log.js';
import type { ReceiverLimits } from './http/body-read.js';
import { InFlightBytes } from './http/in-flight.js';
import type { WebhookResponse } from './http/response.js';
import { Inspector } from './inspector/inspector.js';
import type { InspectorOptions } from './inspector/inspector.js';
import type { ResyncOutcome } from './observe/channels.js';
import { handleTrace, publishDrift, publishReconcile, publishResync, traced } from './observe/channels.js';
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
import { StartupError } from './resync/startup-error.js';
import type { PresenceStore } from './store.js';
import type { FeedChange, FeedOptions } from './tracker/changes.js';
import { readChanges } from './tracker/changes.js';
import { resolveTrackerOptions } from './tracker/options.js';
import { Tracker } from './tracker/tracker.js';

export type { AckMode, ReceiverOptions, RejectInfo } from './options/receiver-options.js';
export type { WebhookRequest } from './pipeline/pipeline.js';
export type { HandleOptions } from './front/front.js';
export type { ReceiverLimits } from './http/body-read.js';
export { StartupError } from './resync/startup-error.js';

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
  readonly users: {
    get(userId: string): Promise<UserPresence | undefined>;
    count(): Promise<number>;
  };
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
  readonly [RECEIVER_BRAND] = true;
  private readonly emitter = new TypedEmitter();
  private readonly errorHandlers = new Set<(error: Error) => void>();
  private readonly front: Front;
  private readonly tracker: Tracker;
  private readonly resyncer: Resyncer;
  private readonly ownsStore: boolean;
  private readonly startup: Promise<ReconcileResult | undefined>;
  private closing = false;
  private readonly counter = new StatsCounter();
  private readonly inspector: Inspector | undefined;

  constructor(input: ReceiverOptions) {
    const options = resolveReceiverOptions(input);
    for (const warning of options.warnings) options.logger.warn(warning);
    if (input.emit === 'everywhere' && input.store !== undefined && input.store.feed === undefined)
      options.logger.warn(
        "presence-webhooks: emit: 'everywhere' needs a store with a change feed (RedisStore: new RedisStore({ feed: {} })); without it each change is emitted only on the instance that applied it",
      );
    const providers = buildProviders(options, Date.now);
    this.counter.configure(providers.map((provider) => provider.name));
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
    if (options.onError !== undefined) this.errorHandlers.add(options.onError);
    this.tracker = new Tracker(resolveTrackerOptions({ ...input, maxClockSkewMs: options.maxClockSkewMs }), {
      store: this.store,
      emitter: this.emitter,
      counter: this.counter,
      report: (error) => this.report(error),
      now: Date.now,
      owner: this,
      retry: {
        attempts: this.ack === 'after-store' ? 1 : options.retry.attempts,
        baseDelayMs: options.retry.baseDelayMs,
      },
      merged: (delivery) => this.resyncer.observe(delivery),
      lost: (provider, channels) => this.resyncer.repairSoon(provider, channels),
    });
    this.resyncer = new Resyncer(options.resync, {
      store: this.store,
      providers,
      repair: (snapshot) => this.tracker.repairChannel(snapshot),
      drift: (event) => {
        this.observeDrift(event);
        this.tracker.emitLocal({ name: 'drift', payload: event });
      },
      progress: (event) => {
        publishReconcile({
          receiver: this,
          provider: event.provider,
          phase: event.phase,
          done: event.done,
          total: event.total,
        });
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
    this.front = new Front({
      owner: this,
      inspector: this.inspector,
      reads:
        options.readEndpoint === undefined
          ? undefined
          : new ReadEndpoint(
              { store: this.store, users: this.tracker.usersOn, report: (error) => this.report(error) },
              options.readEndpoint.token,
            ),
      pipeline: new Pipeline(providers, options.bodyLimit),
      tracker: this.tracker,
      counter: this.counter,
      ack: options.ack,
      ackTimeoutMs: options.ackTimeoutMs,
      maxQueued: options.maxQueuedDeliveries,
      rejections: options.onReject ?? rateLimitedWarning(options.logger),
      report: (error) => this.report(error),
    });
    this.users = {
      get: async (userId) => this.userStore().user(userId),
      count: async () => this.userStore().userCount(),
    };
    this.tracker.start();
  }

  readonly users: Receiver['users'];

  /** Warned through the logger always; onError hears of it too when there is one (without, report() would print it again). */
  private startupFailed(error: StartupError, logger: { warn(message: string): void }): void {
    logger.warn(error.message);
    if (this.errorHandlers.size > 0) this.report(error);
  }

  changes(options: FeedOptions = {}): AsyncIterable<FeedChange> {
    return readChanges(this.store, options);
  }

  /** The store's user reads, or a clear error when it has none. */
  private userStore(): Required<Pick<PresenceStore, 'user' | 'userCount'>> {
    const { store } = this;
    if (!this.tracker.usersOn || typeof store.user !== 'function' || typeof store.userCount !== 'function')
      throw new TypeError(
        'presence-webhooks: receiver.users: user levels are off (users: false, or a store without them: MemoryStore, RedisStore and PostgresStore have them)',
      );
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
    if (!traced(handleTrace)) return this.front.respond(request, options);
    // The trace context never carries the body.
    return handleTrace.tracePromise(() => this.front.respond(request, options), {
      receiver: this,
      request: {
        method: request.method,
        headers: request.headers,
        url: request.url,
      },
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
    publishResync({
      receiver: this,
      provider,
      channel,
      outcome,
      changes,
      ...(result instanceof Error ? { error: result.message } : {}),
    });
    this.inspector?.notify({
      type: 'resync',
      provider,
      channel,
      outcome,
      changes,
    });
  }

  private createInspector(options: InspectorOptions): Inspector {
    return new Inspector(
      {
        store: this.store,
        stats: () => this.stats(),
        resync: (channel) => this.resync(channel),
        on: (name, handler) => this.on(name, handler),
        report: (error) => this.report(error),
        ...(this.tracker.usersOn
          ? {
              userOf: (member: Member, provider: ProviderName | undefined) => this.tracker.userOf(member, provider) ?? member.clientId,
              userCount: () => this.users.count(),
            }
          : {}),
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
