export { handleNodeRequest, responseHeaders, sendNodeResponse } from './handle-node-request.js';
export type { PreRead } from './handle-node-request.js';
export { bodyTooLarge, readBody } from './read-body.js';
export { errorResponse } from '../http/response.js';
export { getHeader } from '../http/headers.js';
export type { RequestHeaders } from '../http/headers.js';
