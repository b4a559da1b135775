import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { bodyConsumed, WebhookError } from '../errors.js';
import type { BodyReadLimits } from '../http/body-read.js';
import { BodyRead } from '../http/body-read.js';

const ignore = (): void => undefined;

/**
 * Read a Node request body (or any byte stream) into bytes under the one read policy (`BodyRead`:
 * Content-Length checked and reserved in flight, size, length, time; a refusal releases what it held).
 * Rejects with a WebhookError only. After a 413 the rest of the body is discarded unread; after a 408
 * or a 503 the stream is left paused: the receiver answers with `Connection: close`, so that the
 * server closes the connection.
 *
 * A body that came in the same packets as its headers (most webhooks) has been parsed whole by the
 * time a microtask has passed after the request event: it is then taken in one read, with no
 * listeners and no timer (`takeWhole`).
 */
export function readBody(stream: Readable, headers: IncomingHttpHeaders, limits: BodyReadLimits): Promise<Uint8Array> {
  let read: BodyRead;
  try {
    read = BodyRead.begin(headers['content-length'], limits);
  } catch (error) {
    if ((error as WebhookError).status === 413) stream.resume(); // discard, without buffering, what the client still sends
    return Promise.reject(error as WebhookError);
  }
  if (stream.readable === false || stream.readableEnded) {
    read.release();
    // A client gone before the read (during an app's own async middleware) is not a body another parser took.
    if (stream.destroyed && !stream.readableEnded)
      return Promise.reject(new WebhookError(400, 'invalid_body', 'The client aborted the request'));
    return Promise.reject(bodyConsumed());
  }
  const declared = read.declared;
  if (declared === undefined || declared === 0) return readStreaming(stream, read);
  return Promise.resolve(declared).then((length) => takeWhole(stream, length, read) ?? readStreaming(stream, read));
}

/**
 * The body, read at once, when all `declared` bytes of a Node request are already buffered and
 * nothing else reads it; else undefined. A Node request (`IncomingMessage`, which has `complete`): its
 * parser stops its body at the declared Content-Length (bytes after it belong to the next request), so
 * once that many bytes are buffered they are the whole body, even before the end of the message is signalled.
 */
function takeWhole(stream: Readable, declared: number, read: BodyRead): Uint8Array | undefined {
  const complete = (stream as Readable & { complete?: unknown }).complete;
  if (typeof complete !== 'boolean' || stream.readableLength !== declared || stream.readableFlowing === true) return undefined;
  if (stream.readableObjectMode || stream.readableEncoding !== null) return undefined;
  const data = stream.read() as Buffer | null;
  if (data === null) return undefined;
  stream.resume(); // the request still ends ('end', then 'close') as one read to its end would
  read.release(); // exactly the declared length, checked against the limit when the read began
  // A copy, always: a chunk may be a view over a larger socket read buffer.
  return Buffer.concat([data], data.byteLength);
}

/** Read the body chunk by chunk as it arrives. */
function readStreaming(stream: Readable, read: BodyRead): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const finish = (error: WebhookError | undefined) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error === undefined) {
        // A copy, always: a chunk may be a view over a larger socket read buffer.
        resolve(Buffer.concat(chunks, read.length));
        return;
      }
      read.release();
      chunks.length = 0;
      stream.on('error', ignore); // the request may still fail (the client goes away) once we stopped listening
      if (error.status === 413) stream.resume();
      else stream.pause();
      reject(error);
    };
    /** A step of the policy that may refuse the read. */
    const step = (action: () => void): boolean => {
      try {
        action();
        return true;
      } catch (error) {
        finish(error as WebhookError);
        return false;
      }
    };
    const onData = (data: Buffer | string) => {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      if (step(() => read.take(chunk.byteLength))) chunks.push(chunk);
    };
    const onEnd = () => {
      if (step(() => read.end())) finish(undefined);
    };
    const onError = (error: Error & { code?: string }) => {
      const aborted = error.code === 'ECONNRESET' || error.message === 'aborted';
      finish(
        new WebhookError(400, 'invalid_body', aborted ? 'The client aborted the request' : `The body could not be read: ${error.message}`),
      );
    };
    // A request whose connection closed before the body ended: the client went away.
    const onClose = () => finish(new WebhookError(400, 'invalid_body', 'The client aborted the request'));
    read.deadline(finish);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    stream.resume();
  });
}
