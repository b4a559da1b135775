import type { ChannelEvent, DriftEvent, PresenceChange } from './events.js';
import { changeToEvent } from './events.js';
import type { Handler } from './emitter.js';
import { TypedEmitter } from './emitter.js';
import type { WebhookResponse } from './errors.js';
import { bodyConsumed, bodyTooLarge, errorResponse, WebhookError } from './errors.js';
import { parseContentType } from './http/content-type.js';
import type { DecodedBody } from './http/decode-body.js';
import { decodeBody } from './http/decode-body.js';
import type { RequestHeaders } from './http/headers.js';
import { getHeader } from './http/headers.js';
import { DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_IN_FLIGHT_BYTES } from './http/limits.js';
import { InFlightBytes } from './http/in-flight.js';
import { positiveInteger } from './options/check.js';
import type { PresenceEventMap, PresenceEventName } from './events.js';
import { MemoryStore } from './presence/memory-store.js';
import type { Normalised, Provider, VerifyInput } from './providers/provider.js';
import type { ProviderOptions } from './providers/index.js';
import { buildProviders } from './providers/index.js';
import type { PresenceStore } from './store.js';
import { DeliveryQueue } from './delivery-queue.js';
import type { ResyncOptions } from './resync/options.js';
import { resolveResyncOptions } from './resync/options.js';
import type { ResyncResult, ResyncTarget } from './resync/resyncer.js';
import { Resyncer } from './resync/resyncer.js';
import { buildSources } from './resync/sources.js';
import type { ReadEndpointOption } from './read-endpoint.js';
import { ReadEndpoint } from './read-endpoint.js';

export type AckMode = 'on-receipt' | 'after-store';

export interface ReceiverOptions extends ProviderOptions {
  /** Where the presence set lives. Default: a new MemoryStore. */
  store?: PresenceStore;
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
  /** Store retries in on-receipt mode: attempts (default 5) and first delay in ms (default 100, doubling). */
  retry?: { attempts?: number; baseDelayMs?: number };
  /** Receives item problems, handler failures (as AggregateError) and store failures. */
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
}

/** What an adapter hands to `handle`: the request as bytes, never a re-serialised object. */
export interface WebhookRequest {
  method: string;
  headers: RequestHeaders;
  /** The raw body bytes. `null`/undefined with `bodyConsumed` when a framework parser ate them. */
  body?: Uint8Array | null;
  /**
   * The request URL (path and query) relative to where the adapter is mounted: the query may carry
   * `?secret=`; the path `/channels/:channel/members` is the read endpoint's.
   */
  url?: string;
  /** True when a body parser consumed the stream and no raw bytes are left. */
  bodyConsumed?: boolean;
}

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
  /** Stop drift timers, abort snapshot requests, wait for idle(), and close the store if the receiver created it. */
  close(): Promise<void>;
  readonly store: PresenceStore;
  readonly bodyLimit: number;
  readonly limits: ReceiverLimits;
  readonly ack: AckMode;
}


function queryOf(url: string | undefined): URLSearchParams {
  const q = url === undefined ? -1 : url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : (url as string).slice(q + 1));
}

/** What providers verify; the query string is parsed only if a provider reads it (shared secrets). */
class RequestToVerify implements VerifyInput {
  private parsed: URLSearchParams | undefined;

  constructor(
    readonly headers: RequestHeaders,
    readonly body: Uint8Array,
    private readonly url: string | undefined,
  ) {}

  get query(): URLSearchParams {
    return (this.parsed ??= queryOf(this.url));
  }
}

/** The 200 answer to an accepted delivery (built without JSON.stringify: two integers). */
function acceptedResponse(events: number, rejected: number): WebhookResponse {
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: `{"ok":true,"events":${events},"rejected":${rejected}}` };
}

function pickProvider(providers: readonly Provider[], test: (p: Provider) => boolean): Provider | undefined {
  for (const p of providers) if (test(p)) return p;
  return undefined;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

class PresenceReceiver implements Receiver {
  readonly store: PresenceStore;
  readonly bodyLimit: number;
  readonly limits: ReceiverLimits;
  readonly ack: AckMode;
  readonly [RECEIVER_BRAND] = true;
  private readonly emitter = new TypedEmitter();
  private readonly errorHandlers = new Set<(error: Error) => void>();
  private readonly providers: Provider[];
  private readonly queue: DeliveryQueue;
  private readonly logger: { warn(message: string): void };
  private readonly resyncer: Resyncer;
  private readonly ownsStore: boolean;
  private readonly reads: ReadEndpoint | undefined;

  constructor(options: ReceiverOptions) {
    this.logger = options.logger ?? console;
    this.providers = buildProviders(options, (m) => this.logger.warn(m));
    this.ownsStore = options.store === undefined;
    this.store = options.store ?? new MemoryStore();
    this.bodyLimit = positiveInteger(options.bodyLimit, 'bodyLimit', DEFAULT_BODY_LIMIT);
    const maxInFlightBytes = positiveInteger(options.maxInFlightBytes, 'maxInFlightBytes', DEFAULT_MAX_IN_FLIGHT_BYTES);
    this.limits = {
      bodyLimit: this.bodyLimit,
      bodyTimeoutMs: positiveInteger(options.bodyTimeoutMs, 'bodyTimeoutMs', DEFAULT_BODY_TIMEOUT_MS),
      maxInFlightBytes,
      inFlight: new InFlightBytes(maxInFlightBytes),
    };
    this.ack = options.ack ?? 'on-receipt';
    if (this.ack !== 'on-receipt' && this.ack !== 'after-store') throw new TypeError(`ack must be 'on-receipt' or 'after-store'`);
    if (options.onError !== undefined) this.errorHandlers.add(options.onError);
    this.queue = new DeliveryQueue({
      attempts: this.ack === 'after-store' ? 1 : (options.retry?.attempts ?? 5),
      baseDelayMs: options.retry?.baseDelayMs ?? 100,
      report: (error) => this.report(error),
    });
    this.reads = ReadEndpoint.from(options.readEndpoint, { store: this.store, warn: (m) => this.logger.warn(m), report: (error) => this.report(error) });
    this.resyncer = new Resyncer({
      options: resolveResyncOptions(options.resync),
      sources: buildSources(options, Date.now),
      providers: this.providers.map((p) => p.name),
      store: this.store,
      enqueue: (job) => this.queue.push(job),
      emitChanges: (changes) => this.emit(changes, []),
      emitDrift: (event) => void this.emit([], [{ name: 'drift', payload: event }]),
      report: (error) => this.report(error),
      now: Date.now,
    });
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
    await this.queue.idle();
    await this.resyncer.idle();
    await this.queue.idle();
  }

  resync(channel: string, target?: ResyncTarget): Promise<ResyncResult> {
    return this.resyncer.resync(channel, target);
  }

  async close(): Promise<void> {
    this.resyncer.close();
    await this.idle();
    if (this.ownsStore) await this.store.close?.();
  }

  async handle(request: WebhookRequest, options: HandleOptions = {}): Promise<WebhookResponse> {
    const read = this.reads?.answer(request);
    if (read !== undefined) return read;
    let normalised: Normalised;
    try {
      const pending = this.accept(request);
      normalised = pending instanceof Promise ? await pending : pending;
    } catch (error) {
      if (error instanceof WebhookError) return errorResponse(error);
      this.report(toError(error));
      return errorResponse(new WebhookError(500, 'internal_error', 'The webhook could not be processed'));
    }
    const events = normalised.presence.length + normalised.channel.length;
    const rejected = normalised.problems.length;
    for (const problem of normalised.problems) this.report(problem);
    const done = this.queue.push(() => this.process(normalised));
    if (this.ack === 'after-store' || options.awaitCommit === true) {
      try {
        await done;
      } catch {
        return errorResponse(new WebhookError(503, 'store_failed', 'The presence store is unavailable; retry the delivery'));
      }
    } else {
      const settled = done.catch(() => undefined); // reported by the queue
      options.waitUntil?.(settled);
    }
    return acceptedResponse(events, rejected);
  }

  /**
   * Steps 1-4: limits, decoding, provider detection and verification, normalisation. Pure CPU and
   * synchronous; only a multipart body (whose parser may stream) makes it answer a promise.
   */
  private accept(request: WebhookRequest): Normalised | Promise<Normalised> {
    if (request.method !== 'POST' && request.method.toUpperCase() !== 'POST') {
      throw new WebhookError(405, 'method_not_allowed', `${request.method} is not allowed: webhooks are POSTed`);
    }
    const body = request.body;
    if (body === undefined || body === null) {
      if (request.bodyConsumed === true) throw bodyConsumed();
      throw new WebhookError(400, 'invalid_body', 'The request has no body');
    }
    if (body.byteLength > this.bodyLimit) {
      throw bodyTooLarge(this.bodyLimit);
    }
    const headers = request.headers;
    const type = parseContentType(getHeader(headers, 'content-type'));
    const input = new RequestToVerify(headers, body, request.url);
    // A provider that recognises its own headers verifies the raw bytes before anything is parsed.
    const provider = pickProvider(this.providers, (p) => p.claimsHeaders(headers));
    if (provider !== undefined) provider.verify(input);
    const multipart = (provider ?? pickProvider(this.providers, (p) => p.multipart !== undefined))?.multipart;
    const decoded = decodeBody(body, type, multipart);
    if (decoded instanceof Promise) return decoded.then((value) => this.normalise(value, provider, input));
    return this.normalise(decoded, provider, input);
  }

  /** Step 4, with the body decoded: find the provider by shape when no header named it, then normalise. */
  private normalise(decoded: DecodedBody, claimed: Provider | undefined, input: VerifyInput): Normalised {
    let provider = claimed;
    const { headers, body } = input;
    if (provider === undefined) {
      provider = pickProvider(this.providers, (p) => p.claimsBody(decoded, headers));
      if (provider === undefined) {
        throw new WebhookError(400, 'unknown_shape', `The body is not a webhook of a configured provider (${this.providers.map((p) => p.name).join(', ')})`);
      }
      provider.verify(input);
    }
    return provider.normalise(decoded, headers, body);
  }

  /** Steps 5-6: merge into the store, then emit the effective changes and the channel events. */
  private async process(normalised: Normalised): Promise<void> {
    const changes: PresenceChange[] = normalised.presence.length > 0 ? await this.store.apply(normalised.presence) : [];
    this.resyncer.observe(normalised);
    await this.emit(changes, normalised.channel);
  }

  /** Emit effective changes and other events; handler failures go to onError as one AggregateError. */
  private async emit(changes: readonly PresenceChange[], events: readonly (ChannelEvent | { name: 'drift'; payload: DriftEvent })[]): Promise<void> {
    const failures: unknown[] = [];
    const pending: Promise<void>[] = [];
    const emitter = this.emitter;
    // Dispatch in order (channel.active, presence changes, the rest); async handlers run concurrently.
    for (const event of events) if (event.name === 'channel.active') emitter.dispatch(event.name, event.payload, failures, pending);
    for (const change of changes) {
      if (!emitter.has(change.type)) continue;
      const { name, payload } = changeToEvent(change);
      emitter.dispatch(name, payload as PresenceEventMap[typeof name], failures, pending);
    }
    for (const event of events) if (event.name !== 'channel.active') emitter.dispatch(event.name, event.payload as never, failures, pending);
    if (pending.length > 0) await Promise.all(pending);
    if (failures.length > 0) {
      const error = new AggregateError(failures, `${failures.length} event handler(s) failed`);
      (error as AggregateError & { code: string }).code = 'handler_failed';
      this.report(error);
    }
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
