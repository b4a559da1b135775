import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver, isReceiver } from '@presence-webhooks/core';
import type { WaitUntilContext } from './handle-web-request.js';
import { addressOrNone, runtimeClientAddress } from './client-address.js';
import { handleWebRequest } from './handle-web-request.js';
import { mountMatcher } from './mount.js';
import { notFound } from './response.js';

export interface PresenceWebhooksWebOptions {
  /**
   * Answer only requests to this path (e.g. '/webhooks'; a trailing slash also matches), and GETs
   * under it (the receiver's read endpoint, `<path>/channels/:channel/members`); other requests get
   * a 404. Default: every request the handler is given (a route handler has its own route).
   */
  path?: string;
  /**
   * The client's address, for the per-address throttle of wrong secrets and for `onReject` (a `Request`
   * carries none), from the request and the second argument the runtime passed the handler. Default: what
   * the runtime hands it (Deno's `info`, Bun's `server`, @hono/node-server's env; see `runtimeClientAddress`).
   * Behind a proxy you trust, read its header: `(request) => request.headers.get('cf-connecting-ip') ?? undefined`.
   * Without an address (also when it throws) wrong secrets are not throttled (one shared count would let anyone lock everyone out).
   */
  clientAddress?: (request: Request, context: unknown) => string | undefined;
}

/**
 * `context`: the platform's `{ waitUntil }` (a Workers ctx, Vercel's, Netlify's), or the runtime's second argument
 * as it comes (Bun's server, Deno's info: the client's address is read from it; see `clientAddress`).
 */
export type PresenceWebhooksWebHandler = ((request: Request, context?: WaitUntilContext | object) => Promise<Response>) & {
  readonly receiver: Receiver;
};

/**
 * A `(request: Request, context?) => Promise<Response>` handler for presence webhooks: Next.js
 * route handlers, Bun.serve, Deno.serve, Cloudflare Workers. Pass the platform's context (or any
 * `{ waitUntil }`) to answer at once in on-receipt mode; without it, the answer waits for the commit.
 */
export function presenceWebhooks(
  receiverOrOptions: Receiver | ReceiverOptions,
  options: PresenceWebhooksWebOptions = {},
): PresenceWebhooksWebHandler {
  const receiver = isReceiver(receiverOrOptions) ? receiverOrOptions : createReceiver(receiverOrOptions);
  const mounted = mountMatcher(options.path);
  const clientAddress = options.clientAddress ?? runtimeClientAddress;
  const handler = async (request: Request, context?: WaitUntilContext | object): Promise<Response> => {
    const url = mounted(request.method.toUpperCase(), new URL(request.url));
    if (url === undefined) {
      request.body?.cancel().catch(() => undefined);
      return notFound();
    }
    const remoteAddress = addressOrNone(() => clientAddress(request, context));
    return handleWebRequest(receiver, request, { url, context, remoteAddress });
  };
  return Object.assign(handler, { receiver });
}
