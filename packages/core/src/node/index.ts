export { handleNodeRequest, responseHeaders, sendNodeResponse } from './handle-node-request.js';
export type { PreRead } from './handle-node-request.js';
export { bodyTooLarge, readBody } from './read-body.js';
