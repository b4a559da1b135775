export { handleNodeRequest, sendNodeResponse } from './handle-node-request.js';
export type { PreRead } from './handle-node-request.js';
export { readBody } from './read-body.js';
