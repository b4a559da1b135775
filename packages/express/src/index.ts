export { presenceWebhooks } from './middleware.js';
export type { PresenceWebhooksMiddleware } from './middleware.js';
export type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
