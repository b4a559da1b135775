/**
 * The optional read endpoint: `GET <mount>/channels/:channel/members` answers the store's members
 * of a channel as JSON, so that a load tool (the testing package's simulator) or an operator can
 * compare the receiver's set with the truth. Off by default. With a token, a request must send
 * `Authorization: Bearer <token>`, compared in constant time; wrong tokens are throttled per client
 * address (429 with Retry-After). Reads are bounded: READ_CONCURRENCY at once (503 above), and an
 * answer of more than MAX_ANSWER_BYTES is a 413 (so is a store's own refusal of a heavy read).
 */
import { WebhookError } from './errors.js';
import { AddressThrottle } from './http/address-throttle.js';
import type { WebhookResponse } from './http/response.js';
import { errorResponse, jsonResponse } from './http/response.js';
import type { RequestHeaders } from './http/headers.js';
import { getHeader } from './http/headers.js';
import { secretsEqual } from './secrets.js';
import type { PresenceStore } from './store.js';

/** `true`: anyone who reaches the webhook path may read; `{ token }`: only with `Authorization: Bearer <token>`. */
export type ReadEndpointOption = boolean | { token: string };

/** The path, relative to where the adapter is mounted, and the query string is ignored. */
const ROUTE = /^\/channels\/([^/]+)\/members\/?$/;

/** The channel a request path asks for, or undefined when it is not the read route. */
export function readRouteChannel(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const end = url.search(/[?#]/);
  const match = ROUTE.exec(end < 0 ? url : url.slice(0, end));
  if (match === null) return undefined;
  try {
    return decodeURIComponent(match[1] as string);
  } catch {
    return undefined; // malformed percent-encoding: not the read route
  }
}

function bearerToken(headers: RequestHeaders): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(getHeader(headers, 'authorization') ?? '');
  return match?.[1];
}

export interface ReadRequest {
  method: string;
  headers: RequestHeaders;
  url?: string;
  /** The client's address (wrong tokens are counted per address). */
  remoteAddress?: string;
}

/** Wrong tokens allowed per client address within TOKEN_WINDOW_MS; above it that address gets 429. */
const TOKEN_FAILURES = 10;
const TOKEN_WINDOW_MS = 60_000;
/** Reads in flight at most; above it 503 with Retry-After (the store serves webhooks first). */
export const READ_CONCURRENCY = 8;
/** The largest answer, in bytes of JSON: 8 MiB. A heavier channel is a 413 (the store is not read twice for it). */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** Whether a store refused a read for its size (RedisStore: `code: 'payload_too_large'`). */
function tooLarge(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === 'payload_too_large';
}

function tooLargeAnswer(channel: string): WebhookResponse {
  return errorResponse(
    new WebhookError(
      413,
      'payload_too_large',
      `The members of channel ${JSON.stringify(channel.slice(0, 64))} are more than ${MAX_ANSWER_BYTES} bytes: too large for one answer of the read endpoint`,
    ),
  );
}

/** What the read endpoint needs from its receiver. */
export interface ReadContext {
  store: PresenceStore;
  /** Where a failed store read goes (onError). */
  report(error: Error): void;
}

/** The read endpoint of one receiver (createReceiver checks the option: options/resolve.ts). */
export class ReadEndpoint {
  private readonly failures = new AddressThrottle({ limit: TOKEN_FAILURES, windowMs: TOKEN_WINDOW_MS });
  private reading = 0;

  constructor(
    private readonly context: ReadContext,
    private readonly token: string | undefined,
  ) {}

  /** The answer to a read request, or undefined when the request is not one (core then answers it as a webhook). */
  answer(request: ReadRequest): Promise<WebhookResponse> | undefined {
    if (request.method.toUpperCase() !== 'GET') return undefined;
    const channel = readRouteChannel(request.url);
    if (channel === undefined) return undefined;
    return this.read(channel, request.headers, request.remoteAddress);
  }

  private async read(channel: string, headers: RequestHeaders, address: string | undefined): Promise<WebhookResponse> {
    if (this.token !== undefined) {
      const wait = this.failures.retryAfter(address);
      if (wait > 0) {
        const response = errorResponse(
          new WebhookError(429, 'server_busy', `Too many wrong read tokens from this address; wait ${wait} s`),
        );
        return { ...response, headers: { ...response.headers, 'retry-after': String(wait) } };
      }
      const presented = bearerToken(headers);
      if (presented === undefined || !secretsEqual(presented, this.token)) {
        this.failures.failed(address);
        const error = new WebhookError(
          401,
          'unauthorized',
          "The read endpoint needs Authorization: Bearer <token> with the receiver's readEndpoint token",
        );
        const response = errorResponse(error);
        return { ...response, headers: { ...response.headers, 'www-authenticate': 'Bearer' } };
      }
      this.failures.succeeded(address);
    }
    if (this.reading >= READ_CONCURRENCY)
      return errorResponse(new WebhookError(503, 'server_busy', `${READ_CONCURRENCY} reads are in flight; retry the read`));
    this.reading++;
    try {
      const members = await this.context.store.members(channel);
      const response = jsonResponse(200, { channel, members }, { 'cache-control': 'no-store' });
      return Buffer.byteLength(response.body) > MAX_ANSWER_BYTES ? tooLargeAnswer(channel) : response;
    } catch (error) {
      if (tooLarge(error)) return tooLargeAnswer(channel);
      this.context.report(error instanceof Error ? error : new Error(String(error)));
      return errorResponse(new WebhookError(503, 'store_failed', 'The presence store is unavailable; retry the read'));
    } finally {
      this.reading--;
    }
  }
}
