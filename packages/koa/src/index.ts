export { presenceWebhooks } from './middleware.js';
export type { KoaContextLike, PresenceWebhooksMiddleware, PresenceWebhooksOptions } from './middleware.js';
export { exactRawBody } from './exact-raw-body.js';
export type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
