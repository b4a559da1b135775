import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { bodyConsumed, bodyTooLarge, WebhookError } from '../errors.js';

interface RawBodyError extends Error {
  type?: string;
}

export { bodyTooLarge } from '../errors.js';

/**
 * Read a Node request's body into bytes, stopping at `limit` (413). A declared Content-Length
 * above the limit is refused before a byte is read.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const length = req.headers['content-length'];
  try {
    return await getRawBody(req, { limit, length: length === undefined ? null : length });
  } catch (error) {
    const type = (error as RawBodyError).type;
    if (type === 'entity.too.large') {
      req.resume(); // discard, without buffering, what the client still sends
      throw bodyTooLarge(limit);
    }
    if (type === 'stream.not.readable') {
      throw bodyConsumed();
    }
    if (type === 'request.aborted') throw new WebhookError(400, 'invalid_body', 'The client aborted the request');
    throw new WebhookError(400, 'invalid_body', `The body could not be read: ${(error as Error).message}`);
  }
}
