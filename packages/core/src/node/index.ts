// @presence-webhooks/core/node: the one node-http layer the Express, Koa and Fastify adapters sit on.
export { handleNodeRequest, responseHeaders, sendNodeResponse } from './handle-node-request.js';
export type { PreRead } from './handle-node-request.js';
export { readBody } from './read-body.js';
export type { BodyReadLimits } from '../http/body-read.js';
