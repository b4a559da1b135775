import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver, isReceiver } from '@presence-webhooks/core';
import { handleNodeRequest, sendNodeResponse } from '@presence-webhooks/core/node';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export type PresenceWebhooksMiddleware = RequestHandler & { readonly receiver: Receiver };

/**
 * Express middleware for presence webhooks: `app.use('/webhooks', presenceWebhooks(receiver))`.
 * Reads the raw body itself, or uses `req.rawBody` when an earlier parser kept the bytes there.
 * Mount it before `express.json()` (or on its own path). Works on Express 4 and 5.
 */
export function presenceWebhooks(receiverOrOptions: Receiver | ReceiverOptions): PresenceWebhooksMiddleware {
  const receiver = isReceiver(receiverOrOptions) ? receiverOrOptions : createReceiver(receiverOrOptions);
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    const raw = req as Request & { rawBody?: unknown; _body?: boolean };
    handleNodeRequest(receiver, req, { rawBody: raw.rawBody, parsed: raw._body === true }).then(
      (response) => sendNodeResponse(res, response),
      next,
    );
  };
  return Object.assign(middleware, { receiver });
}

export type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
