import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver, isReceiver } from '@presence-webhooks/core';
import { answersAt, mountRelativeUrl } from '@presence-webhooks/core/adapter';
import { handleNodeRequest, sendNodeResponse } from '@presence-webhooks/core/node';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** The middleware `presenceWebhooks()` returns, with the receiver it answers with. */
export type PresenceWebhooksMiddleware = RequestHandler & { readonly receiver: Receiver };

/** What Express's own body parsers (express.json(), body-parser) leave on a request they read. */
interface ParsedByExpress {
  /** body-parser sets `_body` once it consumed the stream. */
  _body?: unknown;
  /** Raw bytes a parser's `verify` hook kept, by convention. */
  rawBody?: unknown;
}

/** What to do when express.json() (or another Express parser) ate the body first. */
export const EXPRESS_HINT =
  "Mount presenceWebhooks() before express.json() / bodyParser (or on its own path), or keep the raw bytes: express.json({ limit: '5mb', verify: (req, _res, buf) => { req.rawBody = buf; } }). " +
  'Set the limit: express.json() refuses bodies over 100 kB by default, and an Ably batch can take up to 5 MiB.';

/**
 * The client's address for the throttles: `req.ip`, which follows `trust proxy` (behind a proxy, the client's, not the
 * proxy's), unless `trust proxy` is `true`: that trusts every hop, so the address is X-Forwarded-For's first entry,
 * which any client writes; then the connection's own (undefined: core reads the socket).
 */
function clientAddress(req: Request): string | undefined {
  return req.app.get('trust proxy') === true ? undefined : req.ip;
}

/**
 * Express middleware for presence webhooks: `app.use('/webhooks', presenceWebhooks(receiver))`.
 * It answers requests to the mount path itself (every method) and GETs under it (the receiver's
 * read endpoint, or a 405), as the Koa and Fastify adapters do; other paths under the mount go to
 * `next()`. It reads the raw body itself, or uses `req.rawBody` when an earlier parser kept the bytes
 * there. Mount it before `express.json()` (or on its own path). Works on Express 4 and 5.
 */
export function presenceWebhooks(receiverOrOptions: Receiver | ReceiverOptions): PresenceWebhooksMiddleware {
  const receiver = isReceiver(receiverOrOptions) ? receiverOrOptions : createReceiver(receiverOrOptions);
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    // Express matched the mount: `baseUrl` is its part of `originalUrl`.
    const url = mountRelativeUrl(req.originalUrl, req.baseUrl);
    if (url === undefined || !answersAt(req.method, url)) return next();
    const parsed = req as Request & ParsedByExpress;
    handleNodeRequest(receiver, req, {
      rawBody: parsed.rawBody,
      parsed: parsed._body === true,
      parsedHint: EXPRESS_HINT,
      url,
      remoteAddress: clientAddress(req),
    }).then((response) => sendNodeResponse(res, response), next);
  };
  return Object.assign(middleware, { receiver });
}
