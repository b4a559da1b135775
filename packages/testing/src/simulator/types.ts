import type { Receiver } from '@presence-webhooks/core';
import type { WireFormat } from '../ably-builders.js';
import type { TruthMember } from '../ably-history.js';

export type SimulatedProvider = 'ably' | 'pubnub' | 'pusher';

/** What `simulate` generates, how it delivers it, and where to. Times are in milliseconds. */
export interface SimulateOptions {
  /**
   * The webhook URL to POST to, e.g. `http://127.0.0.1:3000/webhooks`; several (a fleet behind no load balancer):
   * each delivery goes to the next one in turn, and the sets are read from the first. Give `url` or `receiver`.
   */
  url?: string | readonly string[];
  /** An in-process receiver to hand the requests to (`receiver.handle`, no HTTP): for unit tests. */
  receiver?: Receiver;
  provider: SimulatedProvider;
  /** Ably: the API key the webhook rule signs with, `appId.keyId:keySecret`. Pusher: the app key (X-Pusher-Key). */
  key?: string;
  /** PubNub: the shared secret the receiver checks. Pusher: the app secret that signs the webhooks. */
  secret?: string;
  /** PubNub: the header carrying `secret` (default `x-webhook-secret`). */
  secretHeader?: string;
  /** PubNub: send the secret in the header (default) or as `?secret=`. */
  secretIn?: 'header' | 'query';
  /** How many channels (named `<channelPrefix>-<n>`), or their names. Default 10. */
  channels?: number | readonly string[];
  /** Channel name prefix when `channels` is a number. Default `sim-<random run id>`, so runs do not collide. */
  channelPrefix?: string;
  /** Distinct members (Ably clientIds, PubNub uuids). Default 100. */
  members?: number;
  /** Presence events to generate. Default 4 per member. */
  events?: number;
  /** Provider time the history spans, before time compression. Default 10 000. */
  durationMs?: number;
  /** Time compression: 10 plays 10 s of provider time (batch intervals, retry delays) in 1 s. Default 1. */
  timeScale?: number;
  /** Most requests in flight at once. Default 16. */
  concurrency?: number;
  /** Seed of the history and of the delivery randomness. Default: random (reported). */
  seed?: number;
  /** Ably wire format. Default 'json'. */
  format?: WireFormat;
  /** Ably: sites (regions) that batch independently, each at most once per second. Default 3. */
  sites?: number;
  /** Ably: most presence messages in one request. Default (and Ably's limit) 1000. */
  batchSize?: number;
  /** Share of 2xx answers treated as lost (as on a timeout): the delivery is retried, the receiver sees a duplicate. Default 0.05. */
  duplicateRate?: number;
  /** How long to wait for an answer (real time, not compressed). Default: PubNub 5000 (its documented wait), Pusher 3000, Ably 15 000. */
  requestTimeoutMs?: number;
  /** Compare the receiver's set with the truth at the end through its read endpoint (or its store). Default true. */
  verify?: boolean;
  /** `Authorization: Bearer` token for the read endpoint. */
  readToken?: string;
  /** How long to keep re-reading until the receiver's set settles on the truth (real ms). Default 5000. */
  settleMs?: number;
  /** Called about every `progressIntervalMs` of real time, and once at the end. */
  onProgress?: (progress: SimulationProgress) => void;
  /** Default 500. */
  progressIntervalMs?: number;
  /** Stop early: deliveries in flight are abandoned and the report says `complete: false`. */
  signal?: AbortSignal;
  /** Upper bound on the run's real time. Default: the compressed history, retry window and timeouts, plus 30 s. */
  maxRunMs?: number;
}

/** A running simulation, as `onProgress` sees it. */
export interface SimulationProgress {
  /** Real time since the start. */
  elapsedMs: number;
  /** Provider time since the start, and the time the history spans. */
  simulatedMs: number;
  spanMs: number;
  /** Events in the history, those whose time has come, those the receiver answered 2xx for, and those given up. */
  events: number;
  generated: number;
  delivered: number;
  dropped: number;
  requests: number;
  retries: number;
  inFlight: number;
  /** Answer -> count: HTTP statuses as strings, 'timeout', 'error' (no answer). */
  statuses: Record<string, number>;
  /** True on the last call only, once the deliveries are over (every event delivered or dropped, or the run stopped). */
  finished: boolean;
  /** The in-order set of everything generated so far: what a receiver fed without loss would hold once it caught up. */
  truth(): Map<string, TruthMember[]>;
}

export interface ChannelCheck {
  channel: string;
  expected: number;
  actual: number;
  match: boolean;
  /** Members (`clientId` or `clientId/connectionId`) the receiver lacks, holds in excess, or holds with other data. */
  missing: string[];
  extra: string[];
  differing: string[];
}

export type Verification =
  | { status: 'skipped' }
  /** The target has no read endpoint (404 / 405): nothing compared. */
  | { status: 'unavailable'; reason: string }
  /** The read endpoint wants a (different) token. */
  | { status: 'unauthorized'; reason: string }
  | { status: 'error'; reason: string }
  | { status: 'match' | 'mismatch'; channels: ChannelCheck[] }
  /** Reading was cut short (`reason`: the settle time ran out, or the run was stopped): `unverified` were not read; `channels` holds the checks of those that were. */
  | { status: 'incomplete'; reason: string; channels: ChannelCheck[]; unverified: string[] };

/**
 * The check of the read endpoint before the load (one GET, when verifying): `ok` (it answered the
 * members), `unavailable` (a receiver without a read endpoint, or a route that refuses GET (405): the
 * load runs, nothing will be compared), `inconclusive` (no answer in time, or an error status: the
 * load runs), `unauthorized` (it refused the token), `not_mounted` (404 from something other than a
 * receiver: nothing is mounted at the URL's path) or `unreachable` (nothing answers at the URL). The
 * last three stop the run before any request is sent (see `stopsTheRun`).
 */
export type Preflight =
  | { status: 'skipped' | 'ok' }
  | { status: 'unavailable' | 'inconclusive' | 'unauthorized' | 'not_mounted' | 'unreachable'; reason: string };

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface SimulationReport {
  provider: SimulatedProvider;
  /** The URL, or 'receiver' for an in-process run. */
  target: string;
  seed: number;
  channels: string[];
  members: number;
  /** Events in the history; requests sent (retries included); requests answered 2xx; retries; 2xx answers treated as lost. */
  events: number;
  requests: number;
  deliveries: number;
  retries: number;
  duplicates: number;
  /** Events the provider would have given up on (Ably: older than 5 minutes; PubNub: 4 failed attempts; Pusher: retried for 5 minutes). */
  dropped: number;
  /** `unanswered`: its last attempt got no answer, so the receiver may have applied it all the same. */
  droppedEvents: { channel: string; id: string; unanswered: boolean }[];
  /** False when the run was stopped (signal, maxRunMs) before every event was delivered or dropped. */
  complete: boolean;
  statuses: Record<string, number>;
  /** Real time of the run, provider time of the history, and the compression used. */
  elapsedMs: number;
  spanMs: number;
  timeScale: number;
  /**
   * The span asked for (`durationMs`); `spanMs` exceeds it when the provider's fixed delays do not fit (Ably's leave 15 s
   * after a drop, PubNub's second between one member's events). When none was asked, the history's own span (at least
   * the default 10 s).
   */
  durationMs: number;
  /** Events delivered per real second, requests per real second, answer times (real ms). */
  eventsPerSecond: number;
  requestsPerSecond: number;
  latencyMs: LatencySummary;
  /** channel -> the in-order set of every generated event (channels that end empty are absent). */
  truth: Record<string, TruthMember[]>;
  /** The read endpoint check before the load; `unauthorized` or `unreachable` means no request was sent. */
  preflight: Preflight;
  /**
   * The receiver's final set compared, per channel, with the in-order set of the events it answered
   * 2xx for (the whole truth when nothing was dropped), allowing for dropped events whose requests
   * got no answer (applied or not).
   */
  verification: Verification;
}
