export { handleNodeRequest, refuseRead, responseHeaders, sendNodeResponse } from './handle-node-request.js';
export type { PreRead } from './handle-node-request.js';
export { answersAt, mountRelativeUrl } from './mount.js';
export { readBody, readRefusal } from './read-body.js';
export type { BodyReadLimits } from './read-body.js';
export { errorResponse } from '../http/response.js';
export { getHeader } from '../http/headers.js';
export type { RequestHeaders } from '../http/headers.js';
