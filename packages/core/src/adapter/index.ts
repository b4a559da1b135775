// @presence-webhooks/core/adapter: what any adapter needs, whatever its runtime (Node, Bun, Deno, Workers).
export { answersAt, mountRelativeUrl } from './mount.js';
export { readRefusal, refuseRead } from './refusal.js';
export { errorResponse } from '../http/response.js';
export type { ResponseStream, WebhookResponse } from '../http/response.js';
export { getHeader } from '../http/headers.js';
export type { RequestHeaders } from '../http/headers.js';
export type { ReceiverLimits } from '../receiver.js';
export { bodyTimedOut, bodyTooLarge, serverBusy } from '../errors.js';
