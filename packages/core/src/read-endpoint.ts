/**
 * The optional read endpoint: `GET <mount>/channels/:channel/members` answers the store's members
 * of a channel as JSON (`/channels/:channel/users` its users, `/users/:userId` one user's presence), so that a load tool (the testing package's simulator) or an operator can
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

/** The paths, relative to where the adapter is mounted; the query string is ignored. */
const ROUTES = [
  { kind: 'members', pattern: /^\/channels\/([^/]+)\/members\/?$/ },
  { kind: 'users', pattern: /^\/channels\/([^/]+)\/users\/?$/ },
  { kind: 'user', pattern: /^\/users\/([^/]+)\/?$/ },
] as const;

/** What a read request asks for: a channel's members or users, or one user; undefined when it is not a read route. */
export function readRoute(url: string | undefined): { kind: 'members' | 'users' | 'user'; name: string } | undefined {
  if (url === undefined) return undefined;
  const end = url.search(/[?#]/);
  const path = end < 0 ? url : url.slice(0, end);
  for (const { kind, pattern } of ROUTES) {
    const match = pattern.exec(path);
    if (match === null) continue;
    try {
      return { kind, name: decodeURIComponent(match[1] as string) };
    } catch {
      return undefined; // malformed percent-encoding: not a read route
    }
  }
  return undefined;
}

/** The channel a request path asks the members of, or undefined when it is not that route. */
export function readRouteChannel(url: string | undefined): string | undefined {
  const route = readRoute(url);
  return route?.kind === 'members' ? route.name : undefined;
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
    const route = readRoute(request.url);
    if (route === undefined) return undefined;
    return this.read(route, request.headers);
  }

  private async read(route: NonNullable<ReturnType<typeof readRoute>>, headers: RequestHeaders): Promise<WebhookResponse> {
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
      const { store } = this.context;
      const noStore = { 'cache-control': 'no-store' };
      if (route.kind === 'members') return jsonResponse(200, { channel: route.name, members: await store.members(route.name) }, noStore);
      if (store.users === undefined || store.user === undefined)
        return errorResponse(new WebhookError(404, 'not_found', 'This store keeps no user levels (users: false, or a store without them)'));
      if (route.kind === 'users') return jsonResponse(200, { channel: route.name, users: await store.users(route.name) }, noStore);
      const user = await store.user(route.name);
      if (user === undefined)
        return errorResponse(
          new WebhookError(404, 'not_found', 'No such user: never seen, or offline for longer than users.lastSeenMs and forgotten'),
        );
      return jsonResponse(200, user, noStore);
    } catch (error) {
      this.context.report(error instanceof Error ? error : new Error(String(error)));
      return errorResponse(new WebhookError(503, 'store_failed', 'The presence store is unavailable; retry the read'));
    }
  }
}
