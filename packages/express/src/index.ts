import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver, isReceiver } from '@presence-webhooks/core';
import { handleNodeRequest, sendNodeResponse } from '@presence-webhooks/core/node';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export type PresenceWebhooksMiddleware = RequestHandler & { readonly receiver: Receiver };

/**
 * True for the requests the middleware answers, as the Koa and Fastify adapters do: anything sent
 * to the mount path itself, GETs under it (the receiver's read endpoint, or a 405), and POSTs to
 * its inspector (`/inspector/session`, `/inspector/resync`).
 */
function answers(req: Request): boolean {
  return req.path === '/' || ((req.method === 'GET' || req.method === 'HEAD') && req.path.startsWith('/')) || (req.method === 'POST' && req.path.startsWith('/inspector/'));
}

/**
 * Express middleware for presence webhooks: `app.use('/webhooks', presenceWebhooks(receiver))`.
 * Reads the raw body itself, or uses `req.rawBody` when an earlier parser kept the bytes there.
 * Mount it before `express.json()` (or on its own path). Other paths under the mount pass to
 * `next()`. Works on Express 4 and 5.
 */
export function presenceWebhooks(receiverOrOptions: Receiver | ReceiverOptions): PresenceWebhooksMiddleware {
  const receiver = isReceiver(receiverOrOptions) ? receiverOrOptions : createReceiver(receiverOrOptions);
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (!answers(req)) return next();
    handleNodeRequest(receiver, req, { rawBody: (req as Request & { rawBody?: unknown }).rawBody }).then(
      (response) => sendNodeResponse(res, response),
      next,
    );
  };
  return Object.assign(middleware, { receiver });
}

export type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
