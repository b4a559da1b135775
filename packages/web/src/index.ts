export { presenceWebhooks } from './handler.js';
export type { PresenceWebhooksWebHandler, PresenceWebhooksWebOptions } from './handler.js';
export { addressOrNone, runtimeClientAddress } from './client-address.js';
export { handleWebRequest } from './handle-web-request.js';
export type { WaitUntilContext, WebRequestOptions } from './handle-web-request.js';
export { mountMatcher } from './mount.js';
export { readRequestBody } from './read-body.js';
export { toResponse } from './response.js';
export type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
