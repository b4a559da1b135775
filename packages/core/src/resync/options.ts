import { nonNegativeNumber, optionalBoolean, optionError, positiveInteger, positiveNumber } from '../option-checks.js';

/** Drift detection and repair. Without this option a receiver detects nothing, but `resync()` still works. */
export interface ResyncOptions {
  /** Resync a channel as soon as drift is detected. Default false: only the `drift` event. */
  onDrift?: boolean;
  /** Wait this long after the last reported figure of a channel before comparing (in-flight deliveries). Default 2000 ms. */
  graceMs?: number;
  /** One snapshot request per channel within this window; calls inside it get the running or last result. Default 5000 ms. */
  minIntervalMs?: number;
  /** Reconcile the whole app (batched, once per fleet) this often. 0 (default) = never. */
  everyMs?: number;
  /** Reconcile the whole app once at start-up (`receiver.ready()` resolves when it is done). Default true. */
  onStart?: boolean;
  /** A reconcile's requests open at once, per provider. Default 2. */
  concurrency?: number;
  /** A reconcile's request starts per second, per provider, retries included. Default 10. */
  maxRequestsPerSecond?: number;
}

export interface ResolvedResyncOptions {
  /** False when no `resync` option was given: no timers, no drift events. */
  detect: boolean;
  onDrift: boolean;
  graceMs: number;
  minIntervalMs: number;
  everyMs: number;
  onStart: boolean;
  concurrency: number;
  maxRequestsPerSecond: number;
}

/** Defaults and validation; throws the standard option TypeError naming the bad option. */
export function resolveResyncOptions(options: ResyncOptions | undefined): ResolvedResyncOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw optionError('resync', 'an object', options);
  return {
    detect: options !== undefined,
    onDrift: optionalBoolean(options?.onDrift, 'resync.onDrift', false),
    graceMs: nonNegativeNumber(options?.graceMs, 'resync.graceMs', 2000),
    minIntervalMs: nonNegativeNumber(options?.minIntervalMs, 'resync.minIntervalMs', 5000),
    everyMs: nonNegativeNumber(options?.everyMs, 'resync.everyMs', 0),
    onStart: options !== undefined && optionalBoolean(options.onStart, 'resync.onStart', true),
    concurrency: positiveInteger(options?.concurrency, 'resync.concurrency', 2),
    maxRequestsPerSecond: positiveNumber(options?.maxRequestsPerSecond, 'resync.maxRequestsPerSecond', 10),
  };
}
