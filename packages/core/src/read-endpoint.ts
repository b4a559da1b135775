/**
 * The optional read endpoint: `GET <mount>/channels/:channel/members` answers the store's members
 * of a channel as JSON, so that a load tool (the testing package's simulator) or an operator can
 * compare the receiver's set with the truth. Off by default. With a token, a request must send
 * `Authorization: Bearer <token>`, compared in constant time.
 */
import { WebhookError } from './errors.js';
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
}

/**
 * With the read endpoint off, a GET of the read route is answered 404 `read_endpoint_off`, quietly
 * (not a refusal: no log line, no rejection counted), as the inspector answers when it is off. A
 * load tool's pre-check can so tell "a receiver is mounted here, without reads" from "nothing is
 * mounted here" (a framework's 404) without leaving a warning in the server's log.
 */
export function readEndpointOff(request: ReadRequest): WebhookResponse | undefined {
  if (request.method.toUpperCase() !== 'GET' || readRouteChannel(request.url) === undefined) return undefined;
  return errorResponse(
    new WebhookError(404, 'read_endpoint_off', 'The read endpoint is off: createReceiver({ readEndpoint: { token } }) turns it on'),
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
  constructor(
    private readonly context: ReadContext,
    private readonly token: string | undefined,
  ) {}

  /** The answer to a read request, or undefined when the request is not one (core then answers it as a webhook). */
  answer(request: ReadRequest): Promise<WebhookResponse> | undefined {
    if (request.method.toUpperCase() !== 'GET') return undefined;
    const channel = readRouteChannel(request.url);
    if (channel === undefined) return undefined;
    return this.read(channel, request.headers);
  }

  private async read(channel: string, headers: RequestHeaders): Promise<WebhookResponse> {
    if (this.token !== undefined) {
      const presented = bearerToken(headers);
      if (presented === undefined || !secretsEqual(presented, this.token)) {
        const error = new WebhookError(
          401,
          'unauthorized',
          "The read endpoint needs Authorization: Bearer <token> with the receiver's readEndpoint token",
        );
        const response = errorResponse(error);
        return { ...response, headers: { ...response.headers, 'www-authenticate': 'Bearer' } };
      }
    }
    try {
      const members = await this.context.store.members(channel);
      return jsonResponse(200, { channel, members }, { 'cache-control': 'no-store' });
    } catch (error) {
      this.context.report(error instanceof Error ? error : new Error(String(error)));
      return errorResponse(new WebhookError(503, 'store_failed', 'The presence store is unavailable; retry the read'));
    }
  }
}
