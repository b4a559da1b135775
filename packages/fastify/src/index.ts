export { presenceWebhooks } from './plugin.js';
export type { PresenceWebhooks, PresenceWebhooksOptions, PresenceWebhooksPlugin } from './plugin.js';
export type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
