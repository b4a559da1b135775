export { presenceWebhooks } from './middleware.js';
export type { PresenceWebhooksHonoMiddleware, PresenceWebhooksHonoOptions } from './middleware.js';
export type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
