import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Receiver, ReceiverOptions, WebhookResponse } from '@presence-webhooks/core';
import { createReceiver, isReceiver } from '@presence-webhooks/core';
import { answersAt, mountRelativeUrl } from '@presence-webhooks/core/adapter';
import { handleNodeRequest, responseHeaders, sendNodeResponse } from '@presence-webhooks/core/node';
import { exactRawBody } from './exact-raw-body.js';

/** The Koa adapter's own options (the second argument). */
export interface PresenceWebhooksOptions {
  /**
   * Answer only requests to this path (e.g. '/webhooks'; a trailing slash also matches), and GETs
   * under it (the receiver's read endpoint, `<path>/channels/:channel/members`). Default: every
   * request that reaches it.
   */
  path?: string;
}

/** The part of a Koa context the middleware uses (Koa 2 and 3 both fit; no dependency on Koa's types). */
export interface KoaContextLike {
  req: IncomingMessage;
  /** The Node response (for streaming answers). */
  res?: ServerResponse;
  /** Set to false to write `res` directly. */
  respond?: boolean;
  /**
   * A body parser that ran first may have left `rawBody` (a string or bytes) here. `ip`: the client's address,
   * from `app.proxyIpHeader` (X-Forwarded-For) when `app.proxy` is true (Koa's own getter).
   */
  request: { rawBody?: unknown; ip?: string };
  /** Koa's application: whether it trusts a proxy's header, and how many of its entries (0: all). */
  app?: { proxy?: boolean; maxIpsCount?: number };
  status: number;
  body: unknown;
  set(field: Record<string, string>): void;
}

/**
 * The client's address for the throttles: Koa's `ctx.request.ip` when `app.proxy` is on with `app.maxIpsCount` set (behind
 * that many proxies, the client's address, not the proxy's). With `maxIpsCount` 0 (Koa's default) the address is the
 * header's first entry, which any client writes: then the connection's own (undefined: core reads the socket).
 */
function clientAddress(ctx: KoaContextLike): string | undefined {
  const app = ctx.app;
  return app?.proxy === true && (app.maxIpsCount ?? 0) > 0 ? ctx.request.ip : undefined;
}

/** The middleware `presenceWebhooks()` returns, with the receiver it answers with. */
export type PresenceWebhooksMiddleware = ((ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void>) & {
  readonly receiver: Receiver;
};

/** The request URL relative to `path`, or undefined when the middleware does not answer the request. */
function mounted(path: string | undefined, req: IncomingMessage): string | undefined {
  const url = req.url ?? '/';
  if (path === undefined) return url;
  const relative = mountRelativeUrl(url, path);
  return relative !== undefined && answersAt(req.method, relative) ? relative : undefined;
}

/** What to do when a Koa body parser ate the body first and its rawBody is not provably exact. */
export const KOA_HINT =
  "Mount presenceWebhooks() before the body parser (or on its own path), or keep ctx.request.rawBody exact: bodyParser({ jsonLimit: '5mb' }) from @koa/bodyparser, with no content-encoding. " +
  'Set the limit: the parsers refuse JSON over 1 MB by default, and an Ably batch can take up to 5 MiB.';

const nothing = (): void => undefined;

/** Hand the receiver's answer to Koa (status, headers, body), or write a streaming answer to the Node response. */
function answer(ctx: KoaContextLike, response: WebhookResponse): void {
  if (response.stream !== undefined && ctx.res !== undefined) {
    // A streaming answer (the inspector's events) is written by core/node, not by Koa.
    ctx.respond = false;
    sendNodeResponse(ctx.res, response);
    return;
  }
  ctx.status = response.status;
  ctx.set(responseHeaders(response));
  ctx.body = response.body;
}

/**
 * Koa middleware for presence webhooks: `app.use(presenceWebhooks(receiver, { path: '/webhooks' }))`.
 * Reads the raw body itself; when a body parser ran first it uses `ctx.request.rawBody` if that is
 * provably the exact bytes received, and otherwise answers 500 with how to mount it (core decides).
 */
export function presenceWebhooks(
  receiverOrOptions: Receiver | ReceiverOptions,
  options: PresenceWebhooksOptions = {},
): PresenceWebhooksMiddleware {
  const receiver = isReceiver(receiverOrOptions) ? receiverOrOptions : createReceiver(receiverOrOptions);
  // Not `async`: one `then` per request instead of an async frame and its awaits.
  const middleware = (ctx: KoaContextLike, next: () => Promise<unknown>): Promise<void> => {
    const url = mounted(options.path, ctx.req);
    if (url === undefined) return Promise.resolve(next()).then(nothing);
    const parsedRaw = ctx.request.rawBody;
    return handleNodeRequest(receiver, ctx.req, {
      rawBody: exactRawBody(parsedRaw, ctx.req.headers),
      parsed: parsedRaw !== undefined,
      parsedHint: KOA_HINT,
      url,
      remoteAddress: clientAddress(ctx),
    }).then((response) => answer(ctx, response));
  };
  return Object.assign(middleware, { receiver });
}
