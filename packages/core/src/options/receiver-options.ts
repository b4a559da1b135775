import type { ErrorCode } from '../errors.js';
import type { Member, ProviderName } from '../events.js';
import type { ProviderOptions } from '../providers/index.js';
import type { InspectorOptions } from '../inspector/inspector.js';
import type { ReadEndpointOption } from '../read-endpoint.js';
import type { ResyncOptions } from '../resync/options.js';
import type { PresenceStore } from '../store.js';

export type AckMode = 'on-receipt' | 'after-store';

/** `users` of createReceiver: user-level presence (DESIGN "Round 3"). */
export interface UsersOptions {
  /** A user level whose last presence went stays present this long (ms, receiver clock); back within it: no event. Default 0. */
  graceMs?: number;
  /** How long an offline user's lastSeen is kept (ms). Default 30 days. */
  lastSeenMs?: number;
  /** The app's user id of a member. Default: its clientId (PubNub uuid, Pusher user_id). */
  id?: (member: Member, provider: ProviderName) => string;
}

/** Where every change is emitted: on one instance of the fleet ('once'), or on each ('everywhere'). */
export type EmitMode = 'once' | 'everywhere';

/** What `onReject` is told of a refused request: never the body, never a secret. */
export interface RejectInfo {
  status: number;
  code: ErrorCode;
  /** The provider the request was meant for, when the pipeline got that far. */
  provider?: ProviderName;
  /** The key name the request named (Ably `X-Ably-Key`: `appId.keyId`, never its secret). */
  keyName?: string;
  /** The client address, when the adapter knows it. */
  remoteAddress?: string;
  /** The answer's message: what was wrong and what to do. */
  reason: string;
}

/** Each provider's options under its name (`ably`, `pubnub`, `pusher`: `ReceiverOptions['ably']`), and the receiver's own. */
export interface ReceiverOptions extends ProviderOptions {
  /** Where the presence set lives. Default: a new MemoryStore. */
  store?: PresenceStore;
  /**
   * People, not connections: user-level presence (`user.online` / `user.offline` / `user.join` / `user.leave`,
   * `receiver.users`). On by default with a store that has user levels (grace 0, lastSeen kept 30 days, the
   * user id = clientId); `false` turns it off.
   */
  users?: UsersOptions | false;
  /**
   * Fleets sharing a store: 'once' (default) emits each change on one instance (the one that applied it, or,
   * when it died or lost the reply, another after `claimAfterMs`); 'everywhere' emits every change on every
   * instance (to push it to each instance's own websockets).
   */
  emit?: EmitMode;
  /** emit 'once': how long a committed change may stay unemitted before another instance emits it (ms). Default 10000. */
  claimAfterMs?: number;
  /**
   * An event older than this (ms, provider time against the receiver's clock) for a member the store holds
   * nothing of is stale: it closes replays of captured deliveries and very late retries. Default: the store's
   * tombstone horizon (10 minutes). `Infinity` turns the bound off — for replaying recorded fixtures in tests.
   */
  maxEventAgeMs?: number;
  /** Largest body accepted, in bytes (413 above). Default 5 MiB, which holds a full Ably batch. */
  bodyLimit?: number;
  /** Time allowed to receive a whole body, in ms (408 and close above). Default 10000. */
  bodyTimeoutMs?: number;
  /** Bytes buffered at most across all requests being read (503 with Retry-After above). Default 64 MiB. */
  maxInFlightBytes?: number;
  /**
   * 'on-receipt' (default): answer 200 once verified and parsed, before any store I/O; store
   * failures are retried with backoff and reported to onError. 'after-store': answer 200 only
   * once the store committed, 503 when it failed (the provider then retries).
   */
  ack?: AckMode;
  /**
   * after-store (and adapters that wait for the commit): the longest a delivery waits for the store
   * before it is answered 503 (the provider retries; a later commit is harmless: the merge is
   * idempotent). Default 2000 ms, well under PubNub's 5 s resend window.
   */
  ackTimeoutMs?: number;
  /**
   * A provider time (an event's timestamp, a message id's time) more than this many ms ahead of
   * this receiver's clock is an item problem: reported to onError, not applied (the delivery's
   * other items are). Default 300000 (5 minutes): provider clocks are NTP-synchronised and
   * webhooks arrive within seconds, so this only has to cover a receiver whose own clock lags,
   * while a time from the future (a bad clock, a forged delivery) cannot pin a member: with no
   * bound, a join stamped in the year 3000 would win over every later leave.
   */
  maxClockSkewMs?: number;
  /**
   * Channel names longer than this are an item problem (not stored). Default 2048 characters:
   * above every provider's own limit (PubNub 92, Pusher 164; Ably sets none and recommends under 2048).
   */
  maxChannelNameLength?: number;
  /** Deliveries queued at most (accepted, not yet applied); above it: 503 `server_busy` and onError. Default 10000. */
  maxQueuedDeliveries?: number;
  /**
   * Every refused request, once (never its body or a secret). Default: a warning through `logger`,
   * at most one line per code per minute.
   */
  onReject?: (info: RejectInfo) => void;
  /** Store retries in on-receipt mode: attempts (default 5) and first delay in ms (default 100, doubling). */
  retry?: { attempts?: number; baseDelayMs?: number };
  /** Receives item problems, handler failures (HandlerError) and store failures (StoreError). */
  onError?: (error: Error) => void;
  /** Where warnings go. Default: console.warn. */
  logger?: { warn(message: string): void };
  /** Drift detection against the providers' figures, and repair from their REST presence APIs. */
  resync?: ResyncOptions;
  /**
   * Off by default. `true` or `{ token }`: answer `GET <mount>/channels/:channel/members` with the
   * store's members as JSON; with a token, only for `Authorization: Bearer <token>`.
   */
  readEndpoint?: ReadEndpointOption;
  /**
   * Off by default. `{ token, actions? }`: serve the live inspector page at `GET <mount>/inspector`
   * (sign in with the token; `actions: true` adds a "resync this channel" button).
   */
  inspector?: InspectorOptions;
}
