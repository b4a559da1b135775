import type { IncomingMessage } from 'node:http';
import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver, isReceiver } from '@presence-webhooks/core';
import { handleNodeRequest, responseHeaders } from '@presence-webhooks/core/node';
import { exactRawBody } from './exact-raw-body.js';

export interface PresenceWebhooksKoaOptions {
  /** Answer only requests to this path (e.g. '/webhooks'; a trailing slash also matches). Default: every request that reaches it. */
  path?: string;
}

/** The part of a Koa context the middleware uses (Koa 2 and 3 both fit; no dependency on Koa's types). */
export interface KoaContextLike {
  req: IncomingMessage;
  path: string;
  /** A body parser that ran first may have left `rawBody` (a string or bytes) here. */
  request: { rawBody?: unknown };
  status: number;
  body: unknown;
  set(field: Record<string, string>): void;
}

export type PresenceWebhooksKoaMiddleware = ((ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void>) & {
  readonly receiver: Receiver;
};

function pathMatcher(path: string | undefined): (requestPath: string) => boolean {
  if (path === undefined) return () => true;
  const base = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return (requestPath) => requestPath === base || requestPath === `${base}/`;
}

/**
 * Koa middleware for presence webhooks: `app.use(presenceWebhooks(receiver, { path: '/webhooks' }))`.
 * Reads the raw body itself; when a body parser ran first it uses `ctx.request.rawBody` if that is
 * provably the exact bytes received, and otherwise answers 500 with how to mount it (core decides).
 */
export function presenceWebhooks(receiverOrOptions: Receiver | ReceiverOptions, options: PresenceWebhooksKoaOptions = {}): PresenceWebhooksKoaMiddleware {
  const receiver = isReceiver(receiverOrOptions) ? receiverOrOptions : createReceiver(receiverOrOptions);
  const matches = pathMatcher(options.path);
  const middleware = async (ctx: KoaContextLike, next: () => Promise<unknown>): Promise<void> => {
    if (!matches(ctx.path)) {
      await next();
      return;
    }
    const parsedRaw = ctx.request.rawBody;
    const response = await handleNodeRequest(receiver, ctx.req, {
      rawBody: exactRawBody(parsedRaw, ctx.req.headers),
      parsed: parsedRaw !== undefined,
    });
    ctx.status = response.status;
    ctx.set(responseHeaders(response));
    ctx.body = response.body;
  };
  return Object.assign(middleware, { receiver });
}
