import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver, isReceiver } from '@presence-webhooks/core';
import type { WaitUntilContext } from '@presence-webhooks/web';
import { addressOrNone, handleWebRequest, mountMatcher, runtimeClientAddress } from '@presence-webhooks/web';
import type { Context, MiddlewareHandler } from 'hono';
import { mountOf } from './mount.js';
import { bodyUntouched, nodeExchange, readNodeBody } from './node-incoming.js';

export interface PresenceWebhooksHonoOptions {
  /**
   * Answer only requests to this path (a trailing slash also matches) and GETs under it (the read
   * endpoint, `<path>/channels/:channel/members`); others go to `next()`. Default: the path of the
   * route the middleware is registered on (`app.use('/webhooks/*', ...)` and
   * `app.post('/webhooks', ...)` both mean '/webhooks').
   */
  path?: string;
  /**
   * The client's address, for the per-address throttle of wrong secrets and for `onReject`. Default: what the
   * runtime hands Hono as `c.env` (Deno's `info`, Bun's `server`, @hono/node-server's `incoming`; see
   * `runtimeClientAddress`). Behind a proxy you trust, read its header: `(c) => c.req.header('cf-connecting-ip')`.
   * Without an address (also when it throws) wrong secrets are not throttled (one shared count would let anyone lock everyone out).
   */
  clientAddress?: (c: Context) => string | undefined;
}

export type PresenceWebhooksHonoMiddleware = MiddlewareHandler & { readonly receiver: Receiver };

/**
 * The pattern of the route this middleware runs for (`/webhooks/*`), read from the request's public
 * `routePath`. Not `routePath(c)` from 'hono/route': that helper reads the context through a symbol
 * of its own module instance, which a context made by Hono's other build (CommonJS vs ESM, the
 * dual-package hazard) does not carry, so every request would fail.
 */
function routePattern(c: Context): string {
  const pattern = (c.req as { readonly routePath?: unknown }).routePath;
  return typeof pattern === 'string' ? pattern : '';
}

/** Hono throws when a context has no ExecutionContext (Node, Bun): then there is no waitUntil. */
function executionContext(c: Context): WaitUntilContext | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

/** Bytes an earlier middleware read with `c.req.arrayBuffer()`: Hono caches them exactly as received. */
async function cachedBytes(c: Context): Promise<Uint8Array | undefined> {
  const cached = (c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> }).arrayBuffer;
  return cached === undefined ? undefined : new Uint8Array(await cached);
}

/**
 * Hono middleware for presence webhooks: `app.use('/webhooks/*', presenceWebhooks(receiver))` or
 * `app.post('/webhooks', presenceWebhooks(receiver))`. Uses `c.executionCtx.waitUntil` when the
 * runtime gives one (Workers, Vercel): then an on-receipt receiver answers at once; otherwise the
 * answer waits until the store committed.
 */
export function presenceWebhooks(
  receiverOrOptions: Receiver | ReceiverOptions,
  options: PresenceWebhooksHonoOptions = {},
): PresenceWebhooksHonoMiddleware {
  const receiver = isReceiver(receiverOrOptions) ? receiverOrOptions : createReceiver(receiverOrOptions);
  const fixed = options.path === undefined ? undefined : mountMatcher(options.path);
  const clientAddress = options.clientAddress ?? ((c: Context) => runtimeClientAddress(c.req.raw, c.env));
  const middleware: MiddlewareHandler = async (c, next) => {
    const url = new URL(c.req.url);
    const matcher = fixed ?? mountMatcher(mountOf(routePattern(c), url.pathname));
    const relative = matcher(c.req.method.toUpperCase(), url);
    if (relative === undefined) {
      await next();
      return undefined;
    }
    const node = nodeExchange(c.env);
    return handleWebRequest(receiver, c.req.raw, {
      url: relative,
      // Node has no waitUntil (and Hono throws, with a stack trace, to say so).
      context: node === undefined ? executionContext(c) : undefined,
      rawBody: await cachedBytes(c),
      readBody: node !== undefined && bodyUntouched(node) ? () => readNodeBody(node, receiver) : undefined,
      remoteAddress: addressOrNone(() => clientAddress(c)),
    });
  };
  return Object.assign(middleware, { receiver });
}
