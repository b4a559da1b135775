import type { ChannelEvent, PresenceEvent, ProviderName } from '../events.js';
import type { ItemProblem } from '../errors.js';
import type { ContentType } from '../http/content-type.js';
import type { DecodedBody } from '../http/decode-body.js';
import type { RequestHeaders } from '../http/headers.js';
import type { RequestBudget } from '../rest/budget.js';
import type { ChannelFailure } from '../rest/channel-failure.js';
import type { Snapshot } from './snapshot.js';

/** What a provider sees of a request before its body is parsed: headers, query and the raw bytes. */
export interface RequestView {
  headers: RequestHeaders;
  /** The raw body bytes, exactly as received. */
  body: Uint8Array;
  /** The query string parameters of the request URL (parsed on first use). */
  query: URLSearchParams;
  contentType: ContentType;
}

/** What a provider makes of a body: events for the store, events to emit as they are, and per-item problems. */
export interface Normalised {
  presence: PresenceEvent[];
  channel: ChannelEvent[];
  /** Problems with single items (or single decoding steps); the rest of the delivery stands. */
  problems: ItemProblem[];
}

/** What a whole-app snapshot of one provider (`snapshotAll`) did (its snapshots went to `onSnapshot` as they were read). */
export interface SnapshotAllResult {
  /** Channels the provider listed as active / occupied. */
  listed: number;
  /** Channels whose snapshot could not be had (each also counted in `failures`). */
  failures: ChannelFailure[];
  /** False when the listing itself may have missed channels (a page bound, an unreadable entry). */
  complete: boolean;
}

/** Where `snapshotAll` hands each snapshot as it is read, and how it reports progress: the number of channels it will snapshot, once it knows. */
export interface SnapshotAllHooks {
  onSnapshot(snapshot: Snapshot): Promise<void>;
  onTotal(total: number): void;
}

/** A provider's REST side: its presence snapshot of one channel, and every channel's (`snapshotAll`) for reconcile. */
export interface ProviderRest {
  /** One channel's presence, as the provider's REST API lists it. `signal` aborts (the receiver closed). */
  snapshot(channel: string, signal?: AbortSignal): Promise<Snapshot>;
  /**
   * Every channel the provider lists, together with `known` (the store's channels of this provider):
   * each one's snapshot, batched as the provider allows, every request through `budget`.
   */
  snapshotAll(known: readonly string[], budget: RequestBudget, hooks: SnapshotAllHooks): Promise<SnapshotAllResult>;
  /** The timeout of one request (the provider's `rest.timeoutMs`). */
  readonly timeoutMs: number;
}

/**
 * One webhook provider, one folder behind this interface. The pipeline runs, in this order:
 * `verify` (headers, query and raw bytes) -> `parse` -> `claims` (only when more than one
 * provider accepted the request) -> `normalise`. A provider that `acceptsUnauthenticated` (an
 * insecure setup) is tried on requests that carry no credential, identified by `claims` after `parse`.
 */
export interface Provider {
  readonly name: ProviderName;
  /**
   * Whether the request carries this provider's credential (a signature, a shared secret), read once: false
   * when it carries none, true when it carries the right one; throws a 401 WebhookError for a wrong one. No body parsing.
   */
  verify(request: RequestView): boolean;
  /** Why a request without any credential is refused, in this provider's words (for the 401). */
  missingCredential(request: RequestView): string;
  /** True for an insecure setup: requests without a credential are accepted when `claims` recognises them. */
  readonly acceptsUnauthenticated: boolean;
  /** Decode the raw bytes (JSON, MsgPack, this provider's multipart). Synchronous except for multipart. */
  parse(request: RequestView): DecodedBody | Promise<DecodedBody>;
  /** Whether a decoded body (with its headers) has this provider's shape. */
  claims(body: DecodedBody, headers: RequestHeaders): boolean;
  /** Throws a 400 WebhookError when the body has no known shape; reports item problems in the result. */
  normalise(body: DecodedBody, request: RequestView): Normalised;
  /** The REST side, when the options allow it (credentials for the provider's API). */
  readonly rest?: ProviderRest;
  /** Why there is no REST side (for the error a resync of this provider gets). */
  readonly restMissing?: string;
}

/** A provider's options as createReceiver checked them, with its REST endpoint resolved. */
export interface ResolvedProvider<O> {
  options: O;
  restBaseUrl: string;
  restTimeoutMs: number;
}

/** Whether a provider's members are connections (each carries a connectionId: Ably) or users (PubNub, Pusher). */
export type MemberKind = 'connections' | 'users';

/**
 * A provider as `providers/index.ts` registers it: everything the receiver knows of it, configured or not.
 * Its folder declares one (`providers/<name>/definition.ts`); one line in `providers/index.ts` wires it into
 * the options (`createReceiver({ [name]: options })`), the pipeline, the 401 hints, the counters and the resync.
 */
export interface ProviderDefinition<N extends ProviderName = ProviderName, O = unknown> {
  /** The option of createReceiver and the `provider` of every event. */
  readonly name: N;
  /** As people write it, in messages: 'Ably', 'PubNub'. */
  readonly displayName: string;
  /** The smallest options, for the refusal of a receiver without any provider: `{ ably: { keys } }`. */
  readonly example: string;
  /** What to configure when its webhooks reach a receiver not set up for it (the 401's hint). */
  readonly configure: string;
  /** Whether the members of its channels are connections or users (which store members a snapshot may replace). */
  readonly members: MemberKind;
  /**
   * Whether a request without a valid credential looks like this provider's webhook, for the 401's hint:
   * `headers` (checked first, for every provider), then the body's framing and its first bytes (no parsing).
   */
  readonly looksLike: {
    headers?(headers: RequestHeaders): boolean;
    body?(head: string, multipart: boolean): boolean;
  };
  /** Check and default its options (undefined when not configured); warnings (insecure, short secrets) go to `warnings`. */
  resolve(value: unknown, warnings: string[]): ResolvedProvider<O> | undefined;
  /** The configured provider; `now` is the receiver's clock. */
  create(resolved: ResolvedProvider<O>, now: () => number): Provider;
}
