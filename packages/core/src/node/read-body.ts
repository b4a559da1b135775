import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { WebhookError } from '../errors.js';

interface RawBodyError extends Error {
  type?: string;
}

/** The 413 every adapter answers for a body over the receiver's limit. */
export function bodyTooLarge(limit: number): WebhookError {
  return new WebhookError(413, 'payload_too_large', `The body is larger than the limit of ${limit} bytes`);
}

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
      throw new WebhookError(500, 'body_consumed', 'The request stream was already read by another middleware');
    }
    if (type === 'request.aborted') throw new WebhookError(400, 'invalid_body', 'The client aborted the request');
    throw new WebhookError(400, 'invalid_body', `The body could not be read: ${(error as Error).message}`);
  }
}
