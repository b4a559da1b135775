export { presenceWebhooks } from './plugin.js';
export type { PresenceWebhooksFastifyOptions, PresenceWebhooksPlugin } from './plugin.js';
export type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
