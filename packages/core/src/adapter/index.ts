// @presence-webhooks/core/adapter: what any adapter needs, whatever its runtime (Node, Bun, Deno, Workers).
export { answersAt, mountRelativeUrl } from './mount.js';
export { errorResponse, leavesBodyUnread } from '../http/response.js';
export type { ResponseStream, WebhookResponse } from '../http/response.js';
export { getHeader } from '../http/headers.js';
export type { RequestHeaders } from '../http/headers.js';
export { BodyRead } from '../http/body-read.js';
export type { BodyReadLimits, ReceiverLimits, RequestBody } from '../http/body-read.js';
export { bodyTimedOut, bodyTooLarge, serverBusy } from '../errors.js';
