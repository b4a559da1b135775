/**
 * Prometheus metrics for one receiver, on a prom-client registry. Counters are read from
 * `receiver.stats()` when the registry is collected; timings and the delivery lag come from core's
 * `node:diagnostics_channel` channels (subscribed here, so core publishes only while this runs);
 * `<prefix>members` / `<prefix>channels` are read from the store on collect, bounded (see options).
 * Labels are providers, outcomes, codes and change types only: never a channel or a user id.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Receiver } from '@presence-webhooks/core';
import type { DeliveryMessage, HandleTraceContext, StoreApplyTraceContext } from '@presence-webhooks/core/observe';
import { DELIVERY_CHANNEL, HANDLE_CHANNEL, STORE_APPLY_CHANNEL } from '@presence-webhooks/core/observe';
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram, register as globalRegistry } from 'prom-client';

export interface PresenceMetricsOptions {
  /** Where the metrics are registered. Default: prom-client's global registry. */
  registry?: Registry;
  /** Replaces the `pw_` at the start of every name. Default `'pw_'`. */
  prefix?: string;
  /** At most this many channels are summed for `pw_members` on each collect (the first, sorted). Default 1000. */
  maxChannels?: number;
  /** How long a collect waits for the store before it keeps the last figures. Default 2000 ms. */
  storeTimeoutMs?: number;
}

export interface PresenceMetrics {
  readonly registry: Registry;
  /** Stop listening and remove these metrics from the registry. */
  close(): void;
}

/** Buckets for the durations (seconds): 0.5 ms to 10 s. */
export const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
/** Buckets for the delivery lag (seconds): PubNub and Ably deliver within seconds; Ably retries for minutes. */
const LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** What a delivery that got through ends as (a refusal is 'rejected', with provider 'unknown'). */
const MERGED_OUTCOMES = ['accepted', 'duplicate', 'stale'] as const;

function optionError(name: string, what: string, got: unknown): TypeError {
  return new TypeError(`presence-webhooks: ${name} must be ${what} (got ${typeof got === 'string' ? JSON.stringify(got) : String(got)})`);
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  const n = value ?? fallback;
  if (!(typeof n === 'number' && Number.isSafeInteger(n) && n > 0)) throw optionError(name, 'a positive integer', value);
  return n;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Sum `occupancy` over channels, a few at a time. */
async function sumOccupancy(receiver: Receiver, channels: readonly string[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < channels.length; i += 16) {
    const counts = await Promise.all(channels.slice(i, i + 16).map((channel) => receiver.store.occupancy(channel)));
    for (const n of counts) total += n;
  }
  return total;
}

/** Register the receiver's metrics; returns a handle whose `close()` removes them. */
export function collectPresenceMetrics(receiver: Receiver, options: PresenceMetricsOptions = {}): PresenceMetrics {
  if (typeof receiver !== 'object' || receiver === null || typeof receiver.stats !== 'function')
    throw optionError('collectPresenceMetrics(receiver)', 'a receiver from createReceiver()', receiver);
  const registry = options.registry ?? globalRegistry;
  const prefix = options.prefix ?? 'pw_';
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix))
    throw optionError('prefix', 'a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)', prefix);
  const maxChannels = positiveInteger(options.maxChannels, 'maxChannels', 1000);
  const storeTimeoutMs = positiveInteger(options.storeTimeoutMs, 'storeTimeoutMs', 2000);
  const registers = [registry];
  const stats = () => receiver.stats();

  new Counter({
    name: `${prefix}deliveries_total`,
    help: 'Webhook deliveries by provider and outcome: accepted, duplicate or stale for each configured provider; refused requests are provider "unknown", outcome "rejected".',
    labelNames: ['provider', 'outcome'] as const,
    registers,
    collect() {
      this.reset();
      // Only the pairs that can occur: a refused request has no trusted provider ('unknown', 'rejected');
      // a delivery that got through is one of a configured provider's (accepted, duplicate or stale).
      const { deliveries, providers } = stats();
      for (const provider of providers)
        for (const outcome of MERGED_OUTCOMES) this.inc({ provider, outcome }, deliveries[provider][outcome]);
      this.inc({ provider: 'unknown', outcome: 'rejected' }, deliveries.unknown.rejected);
    },
  });
  /** A counter with one label whose values are the keys of a record of receiver.stats(), read at each scrape. */
  const recordCounter = (name: string, help: string, label: 'code' | 'type', read: () => Record<string, number>) =>
    new Counter({
      name: `${prefix}${name}`,
      help,
      labelNames: [label],
      registers,
      collect() {
        this.reset();
        for (const [value, n] of Object.entries(read())) this.inc({ [label]: value }, n);
      },
    });
  recordCounter('rejections_total', 'Refused webhook requests by error code.', 'code', () => stats().rejections);
  recordCounter(
    'effective_events_total',
    'Effective presence changes after the merge, by type (join, update, leave).',
    'type',
    () => stats().effectiveEvents,
  );
  const lag = new Histogram({
    name: `${prefix}delivery_lag_seconds`,
    help: "Time from the provider's timestamp of an event to its delivery's acceptance.",
    buckets: LAG_BUCKETS,
    registers,
  });
  const handleDuration = new Histogram({
    name: `${prefix}handle_duration_seconds`,
    help: 'Time receiver.handle took to answer a request.',
    buckets: DEFAULT_BUCKETS,
    registers,
  });
  const applyDuration = new Histogram({
    name: `${prefix}store_apply_duration_seconds`,
    help: 'Time one store.apply call took.',
    buckets: DEFAULT_BUCKETS,
    registers,
  });
  new Counter({
    name: `${prefix}store_failures_total`,
    help: 'Failed store.apply calls (each attempt).',
    registers,
    collect() {
      this.reset();
      this.inc(stats().storeFailures);
    },
  });
  new Gauge({
    name: `${prefix}queue_depth`,
    help: 'Deliveries and repairs queued or being applied.',
    registers,
    collect() {
      this.set(stats().queueDepth);
    },
  });
  // Both gauges come from one read of the store per scrape (prom-client collects them concurrently).
  let reading: Promise<{ channels: number; members: number } | undefined> | undefined;
  const storeFigures = () =>
    (reading ??= (async () => {
      try {
        const names = await withTimeout(receiver.store.channels(), storeTimeoutMs);
        return { channels: names.length, members: await withTimeout(sumOccupancy(receiver, names.slice(0, maxChannels)), storeTimeoutMs) };
      } catch {
        return undefined; // the store is down or slow: keep the last figures (store failures are counted elsewhere)
      } finally {
        setImmediate(() => (reading = undefined));
      }
    })());
  new Gauge({
    name: `${prefix}members`,
    help: `Present members in the store (summed over at most ${maxChannels} channels per collect).`,
    registers,
    async collect() {
      const figures = await storeFigures();
      if (figures !== undefined) this.set(figures.members);
    },
  });
  new Gauge({
    name: `${prefix}channels`,
    help: 'Channels with at least one present member in the store.',
    registers,
    async collect() {
      const figures = await storeFigures();
      if (figures !== undefined) this.set(figures.channels);
    },
  });
  new Counter({
    name: `${prefix}drift_total`,
    help: "Drift detected between the store and the provider's figures, by provider.",
    labelNames: ['provider'] as const,
    registers,
    collect() {
      this.reset();
      const { drift, providers } = stats();
      for (const provider of providers) this.inc({ provider }, drift[provider]);
    },
  });
  new Counter({
    name: `${prefix}resyncs_total`,
    help: "Resyncs from the providers' REST APIs by provider and outcome (complete, incomplete, failed).",
    labelNames: ['provider', 'outcome'] as const,
    registers,
    collect() {
      this.reset();
      const { resyncs, providers } = stats();
      for (const provider of providers) for (const [outcome, n] of Object.entries(resyncs[provider])) this.inc({ provider, outcome }, n);
    },
  });
  // People (DESIGN "Round 3"): only when the receiver's store has user levels.
  const users = typeof receiver.store.userCount === 'function';
  if (users) {
    new Gauge({
      name: `${prefix}users_online`,
      help: 'Users online app-wide (a user with several connections or channels counts once; pending in the grace window included).',
      registers,
      async collect() {
        try {
          this.set(await withTimeout(receiver.users.count(), storeTimeoutMs));
        } catch {
          // the store is down or slow: keep the last figure (store failures are counted elsewhere)
        }
      },
    });
    recordCounter(
      'user_events_total',
      'Effective user-level changes by type (user.online, user.offline, user.join, user.leave).',
      'type',
      () => stats().userEvents,
    );
  }
  const names = [
    ...(users ? ['users_online', 'user_events_total'] : []),
    'deliveries_total',
    'rejections_total',
    'effective_events_total',
    'delivery_lag_seconds',
    'handle_duration_seconds',
    'store_apply_duration_seconds',
    'store_failures_total',
    'queue_depth',
    'members',
    'channels',
    'drift_total',
    'resyncs_total',
  ];

  const started = new WeakMap<object, number>();
  const none = () => undefined;
  const handleHooks = {
    end: none,
    asyncStart: none,
    error: none,
    start: (context: HandleTraceContext) => void (context.receiver === receiver && started.set(context, performance.now())),
    asyncEnd: (context: HandleTraceContext) => {
      const at = started.get(context);
      if (at !== undefined) handleDuration.observe((performance.now() - at) / 1000);
    },
  };
  const applyHooks = {
    end: none,
    asyncStart: none,
    error: none,
    start: (context: StoreApplyTraceContext) => void (context.receiver === receiver && started.set(context, performance.now())),
    asyncEnd: (context: StoreApplyTraceContext) => {
      const at = started.get(context);
      if (at !== undefined) applyDuration.observe((performance.now() - at) / 1000);
    },
  };
  const onDelivery = (message: unknown) => {
    const delivery = message as DeliveryMessage;
    if (delivery.receiver !== receiver) return;
    for (const timestamp of delivery.timestamps) lag.observe(Math.max(0, (delivery.receivedAt - timestamp) / 1000));
  };
  const handleTrace = diagnostics.tracingChannel<unknown, HandleTraceContext>(HANDLE_CHANNEL);
  const applyTrace = diagnostics.tracingChannel<unknown, StoreApplyTraceContext>(STORE_APPLY_CHANNEL);
  handleTrace.subscribe(handleHooks);
  applyTrace.subscribe(applyHooks);
  diagnostics.subscribe(DELIVERY_CHANNEL, onDelivery);

  return {
    registry,
    close() {
      handleTrace.unsubscribe(handleHooks);
      applyTrace.unsubscribe(applyHooks);
      diagnostics.unsubscribe(DELIVERY_CHANNEL, onDelivery);
      for (const name of names) registry.removeSingleMetric(`${prefix}${name}`);
    },
  };
}
