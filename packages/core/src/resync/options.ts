/** Where a provider's REST API lives, and how long a snapshot request may take. */
export interface RestOptions {
  /** Base URL of the REST API (Ably: https://main.realtime.ably.net, PubNub: https://ps.pndsn.com). */
  baseUrl?: string;
  /** Abort a request (each page for Ably) after this many ms. Default 10000. */
  timeoutMs?: number;
}

/** PubNub's Here Now takes a requesting uuid, and an auth token on keysets with Access Manager. */
export interface PubNubRestOptions extends RestOptions {
  /** The uuid the receiver presents to Here Now. Default `presence-webhooks-resync`. */
  uuid?: string;
  /** Access Manager token (sent as `auth`), when the keyset needs one. */
  authKey?: string;
}

/** Drift detection and repair. Without this option a receiver detects nothing, but `resync()` still works. */
export interface ResyncOptions {
  /** Resync a channel as soon as drift is detected. Default false: only the `drift` event. */
  onDrift?: boolean;
  /** Wait this long after the last reported figure of a channel before comparing (in-flight deliveries). Default 2000 ms. */
  graceMs?: number;
  /** One snapshot request per channel within this window; calls inside it get the running or last result. Default 5000 ms. */
  minIntervalMs?: number;
  /** Check every active channel against the provider's REST API this often. 0 (default) = never. */
  everyMs?: number;
}

export const DEFAULT_ABLY_REST_URL = 'https://main.realtime.ably.net';
export const DEFAULT_PUBNUB_REST_URL = 'https://ps.pndsn.com';
export const DEFAULT_REST_TIMEOUT_MS = 10_000;
export const DEFAULT_PUBNUB_RESYNC_UUID = 'presence-webhooks-resync';

export interface ResolvedResyncOptions {
  /** False when no `resync` option was given: no timers, no drift events. */
  detect: boolean;
  onDrift: boolean;
  graceMs: number;
  minIntervalMs: number;
  everyMs: number;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (!(Number.isFinite(n) && n >= 0)) throw new TypeError(`resync.${name} must be a number of milliseconds >= 0`);
  return n;
}

/** Defaults and validation; throws a TypeError naming the bad option. */
export function resolveResyncOptions(options: ResyncOptions | undefined): ResolvedResyncOptions {
  return {
    detect: options !== undefined,
    onDrift: options?.onDrift === true,
    graceMs: nonNegative(options?.graceMs, 2000, 'graceMs'),
    minIntervalMs: nonNegative(options?.minIntervalMs, 5000, 'minIntervalMs'),
    everyMs: nonNegative(options?.everyMs, 0, 'everyMs'),
  };
}

/** A base URL without its trailing slashes; throws a TypeError naming the option when it is not http(s). */
export function baseUrlOf(value: string | undefined, fallback: string, name: string): string {
  const text = value ?? fallback;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`${name} must be an absolute http(s) URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${name} must be an http(s) URL, got ${JSON.stringify(text)}`);
  return text.replace(/\/+$/, '');
}

export function timeoutOf(options: RestOptions | undefined, name: string): number {
  const n = options?.timeoutMs ?? DEFAULT_REST_TIMEOUT_MS;
  if (!(Number.isFinite(n) && n > 0)) throw new TypeError(`${name}.timeoutMs must be a positive number of milliseconds`);
  return n;
}
