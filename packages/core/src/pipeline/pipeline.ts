import type { ProviderName } from '../events.js';
import { bodyConsumed, bodyTooLarge, WebhookError } from '../errors.js';
import type { ContentType } from '../http/content-type.js';
import { parseContentType } from '../http/content-type.js';
import type { DecodedBody } from '../http/decode-body.js';
import { AddressThrottle } from '../http/address-throttle.js';
import type { RequestBody } from '../http/body-read.js';
import { getHeader } from '../http/headers.js';
import type { RequestHeaders } from '../http/headers.js';
import type { Normalised, Provider, RequestView } from '../providers/provider.js';
import type { Authenticated } from './authenticate.js';
import { authenticate, missingCredential } from './authenticate.js';

/** What an adapter hands to `handle`: the request as bytes, never a re-serialised object. */
export interface WebhookRequest {
  method: string;
  headers: RequestHeaders;
  /**
   * The raw body: its bytes, or a function that reads them within `receiver.limits` (throwing a
   * WebhookError on a refused read). `null`/undefined with `bodyConsumed` when a framework parser ate them.
   */
  body?: RequestBody | null;
  /**
   * The request URL (path and query) relative to where the adapter is mounted: the query may carry
   * `?secret=`; the path `/channels/:channel/members` is the read endpoint's.
   */
  url?: string;
  /** True when a body parser consumed the stream and no raw bytes are left. */
  bodyConsumed?: boolean;
  /** With `bodyConsumed`: the adapter's advice for its framework (which parser, how to keep the raw bytes). */
  bodyConsumedHint?: string;
  /** The client's address, for `onReject` (adapters set it when they know it). */
  remoteAddress?: string;
}

/** A request whose body has been read (the receiver reads a lazy body before anything else). */
export interface ReceivedRequest extends WebhookRequest {
  body?: Uint8Array | null;
}

/**
 * Wrong shared secrets allowed per client address within AUTH_WINDOW_MS (then 429 with Retry-After
 * until the window ends). A provider never sends a wrong secret unless misconfigured; a guesser of
 * PubNub's `?secret=` gets 20 guesses a minute instead of thousands a second. (Signatures are HMACs
 * over the body: not guessable, not counted.)
 */
const AUTH_FAILURES = 20;
const AUTH_WINDOW_MS = 60_000;

/** A delivery that passed every step: its provider and its events. */
export interface Accepted extends Normalised {
  provider: ProviderName;
}

/** A request as providers see it; the query string is parsed only if a provider reads it (shared secrets). */
class PipelineRequest implements RequestView {
  private parsed: URLSearchParams | undefined;

  constructor(
    readonly headers: RequestHeaders,
    readonly body: Uint8Array,
    readonly contentType: ContentType,
    private readonly url: string | undefined,
  ) {}

  get query(): URLSearchParams {
    if (this.parsed === undefined) {
      const q = this.url === undefined ? -1 : this.url.indexOf('?');
      this.parsed = new URLSearchParams(q < 0 ? '' : (this.url as string).slice(q + 1));
    }
    return this.parsed;
  }
}

/**
 * The webhook pipeline, one step after another:
 *   1. limits: method, body present, body size, content type;
 *   2-3. verify: which providers' credentials the request carries (headers and query only), each
 *        checked by its provider in the same call: HMAC over the raw bytes or the shared secret (401 before any parsing);
 *   4. decode: the provider's parser (JSON, MsgPack, its multipart);
 *   5. normalise: provider payload -> presence and channel events.
 * Only for an insecure setup, or when two providers accepted the credential, does the body's shape
 * (after decoding) pick the provider. Pure CPU; a promise only for multipart bodies.
 */
export class Pipeline {
  /** Wrong shared secrets (PubNub's `?secret=` or header, Ably's) per client address: guesses are slowed, per address. */
  private readonly guesses = new AddressThrottle({ limit: AUTH_FAILURES, windowMs: AUTH_WINDOW_MS });

  constructor(
    private readonly providers: readonly Provider[],
    private readonly bodyLimit: number,
  ) {}

  /** Throws a WebhookError for every refusal. */
  run(request: ReceivedRequest): Accepted | Promise<Accepted> {
    // Step 1, limits: method, body present, body size, content type.
    if (request.method !== 'POST' && request.method.toUpperCase() !== 'POST') {
      throw new WebhookError(405, 'method_not_allowed', `${request.method} is not allowed: webhooks are POSTed`);
    }
    const bytes = request.body;
    if (bytes === undefined || bytes === null) {
      if (request.bodyConsumed === true) throw bodyConsumed(request.bodyConsumedHint);
      throw new WebhookError(400, 'invalid_body', 'The request has no body');
    }
    if (bytes.byteLength > this.bodyLimit) throw bodyTooLarge(this.bodyLimit);
    const { headers } = request;
    const view = new PipelineRequest(headers, bytes, parseContentType(getHeader(headers, 'content-type')), request.url);
    // Steps 2-3, throttled: an address with AUTH_FAILURES wrong secrets within AUTH_WINDOW_MS gets 429.
    const address = request.remoteAddress;
    const wait = this.guesses.retryAfter(address);
    if (wait > 0)
      throw new WebhookError(429, 'server_busy', `Too many wrong webhook secrets from this address; wait ${wait} s`, {
        retryAfter: wait,
      });
    let authenticated: Authenticated;
    try {
      authenticated = authenticate(this.providers, view);
    } catch (error) {
      if (error instanceof WebhookError && error.details?.guess === true) this.guesses.failed(address);
      throw error;
    }
    // Steps 4-5: the one provider's, or the first that reads and claims the body.
    const { providers, byShape, refused } = authenticated;
    if (!byShape) {
      const provider = providers[0] as Provider;
      const decoded = provider.parse(view);
      return decoded instanceof Promise ? decoded.then((body) => accept(provider, body, view)) : accept(provider, decoded, view);
    }
    return this.byShape(providers, refused, view);
  }

  /** Steps 4-5 when the shape decides: the first provider whose parser reads the body and that claims it. */
  private async byShape(
    candidates: readonly Provider[],
    refused: readonly { provider: Provider; error: unknown }[],
    view: RequestView,
  ): Promise<Accepted> {
    let failure: unknown;
    const decoded: DecodedBody[] = [];
    for (const provider of candidates) {
      let body: DecodedBody;
      try {
        body = await provider.parse(view);
      } catch (error) {
        failure ??= error;
        continue;
      }
      if (provider.claims(body, view.headers)) return accept(provider, body, view);
      decoded.push(body);
    }
    // The body of a provider that refused the credential (another provider's secret in a shared header): its 401.
    for (const { provider, error } of refused) if (decoded.some((body) => provider.claims(body, view.headers))) throw error;
    // A body of a secure provider, sent without its credential: say what is missing.
    const secure = this.providers.filter((p) => !p.acceptsUnauthenticated && decoded.some((body) => p.claims(body, view.headers)));
    if (secure.length > 0) throw missingCredential(secure, view);
    if (decoded.length === 0) throw failure;
    throw new WebhookError(
      400,
      'unknown_shape',
      `The body is not a webhook of a configured provider (${this.providers.map((p) => p.name).join(', ')})`,
    );
  }
}

function accept(provider: Provider, body: DecodedBody, view: RequestView): Accepted {
  const normalised = provider.normalise(body, view) as Accepted;
  normalised.provider = provider.name;
  return normalised;
}
