import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver, isReceiver } from '@presence-webhooks/core';
import type { WaitUntilContext } from './handle-web-request.js';
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
}

export type PresenceWebhooksWebHandler = ((request: Request, context?: WaitUntilContext) => Promise<Response>) & {
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
  const handler = async (request: Request, context?: WaitUntilContext): Promise<Response> => {
    const url = mounted(request.method.toUpperCase(), new URL(request.url));
    if (url === undefined) {
      request.body?.cancel().catch(() => undefined);
      return notFound();
    }
    return handleWebRequest(receiver, request, { url, context });
  };
  return Object.assign(handler, { receiver });
}
