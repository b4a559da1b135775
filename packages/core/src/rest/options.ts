/** Where a provider's REST API lives, and how long one request may take. */
export interface RestOptions {
  /** Base URL of the REST API (Ably: https://main.realtime.ably.net, PubNub: https://ps.pndsn.com). */
  baseUrl?: string;
  /** Abort a request (each page for Ably) after this many ms. Default 10000. */
  timeoutMs?: number;
}

export const DEFAULT_REST_TIMEOUT_MS = 10_000;

/** Every option name of a provider's `rest` (checkKnownKeys refuses any other). */
export const REST_OPTION_NAMES: Record<keyof RestOptions, true> = { baseUrl: true, timeoutMs: true };
