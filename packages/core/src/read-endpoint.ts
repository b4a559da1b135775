/**
 * The optional read endpoint: `GET <mount>/channels/:channel/members` answers the store's members
 * of a channel as JSON (`/channels/:channel/users` its users, `/users/:userId` one user's presence), so that a load tool (the testing package's simulator) or an operator can
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
import { bearerToken } from './http/headers.js';
import type { ReadTarget } from './http/route.js';
import { secretsEqual } from './secrets.js';
import type { PresenceStore } from './store.js';

/** `true`: anyone who reaches the webhook path may read; `{ token }`: only with `Authorization: Bearer <token>`. */
export type ReadEndpointOption = boolean | { token: string };

export interface ReadRequest {
  headers: RequestHeaders;
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

/**
 * With the read endpoint off, a GET of the read route is answered 404 `read_endpoint_off`, quietly
 * (not a refusal: no log line, no rejection counted), as the inspector answers when it is off. A
 * load tool's pre-check can so tell "a receiver is mounted here, without reads" from "nothing is
 * mounted here" (a framework's 404) without leaving a warning in the server's log.
 */
export function readEndpointOff(): WebhookResponse {
  return errorResponse(
    new WebhookError(404, 'read_endpoint_off', 'The read endpoint is off: createReceiver({ readEndpoint: { token } }) turns it on'),
  );
}

/** What the read endpoint needs from its receiver. */
export interface ReadContext {
  store: PresenceStore;
  /** The receiver keeps user levels (the user routes answer 404 otherwise). */
  users?: boolean;
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

  /** The answer to a GET of a read path (`routeOf` found its target). */
  async answer(route: ReadTarget, { headers, remoteAddress: address }: ReadRequest): Promise<WebhookResponse> {
    if (this.token !== undefined) {
      const wait = this.failures.retryAfter(address);
      if (wait > 0) {
        return errorResponse(
          new WebhookError(429, 'server_busy', `Too many wrong read tokens from this address; wait ${wait} s`, { retryAfter: wait }),
        );
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
      const { store } = this.context;
      const noStore = { 'cache-control': 'no-store' };
      let response: WebhookResponse;
      if (route.kind === 'members')
        response = jsonResponse(200, { channel: route.name, members: await store.members(route.name) }, noStore);
      else if (this.context.users === false || store.users === undefined || store.user === undefined)
        return errorResponse(new WebhookError(404, 'not_found', 'This store keeps no user levels (users: false, or a store without them)'));
      else if (route.kind === 'users') response = jsonResponse(200, { channel: route.name, users: await store.users(route.name) }, noStore);
      else {
        const user = await store.user(route.name);
        if (user === undefined)
          return errorResponse(
            new WebhookError(404, 'not_found', 'No such user: never seen, or offline for longer than users.lastSeenMs and forgotten'),
          );
        response = jsonResponse(200, user, noStore);
      }
      return Buffer.byteLength(response.body) > MAX_ANSWER_BYTES ? tooLargeAnswer(route.name) : response;
    } catch (error) {
      if (tooLarge(error)) return tooLargeAnswer(route.name);
      this.context.report(error instanceof Error ? error : new Error(String(error)));
      return errorResponse(new WebhookError(503, 'store_failed', 'The presence store is unavailable; retry the read'));
    } finally {
      this.reading--;
    }
  }
}
