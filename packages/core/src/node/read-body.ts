import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { bodyConsumed, bodyTimedOut, bodyTooLarge, serverBusy, WebhookError } from '../errors.js';
import type { ReceiverLimits } from '../receiver.js';

/** What a read obeys: `receiver.limits`. */
export type BodyReadLimits = Pick<ReceiverLimits, 'bodyLimit' | 'bodyTimeoutMs' | 'inFlight'>;

const ignore = (): void => undefined;

function declaredLength(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['content-length'];
  if (value === undefined) return undefined;
  // Node's parser refuses a malformed Content-Length before a handler runs; this is for other streams.
  if (!/^\s*\d+\s*$/.test(value)) throw new WebhookError(400, 'invalid_body', 'The Content-Length header is not a number');
  return Number(value);
}

/**
 * Read a request body into bytes, bounded three ways:
 * - size: a declared Content-Length above `bodyLimit` is refused (413) before a byte is read, and a
 *   body that grows past it is cut (413; the rest is discarded unread);
 * - time: the whole body must arrive within `bodyTimeoutMs` of the call (408);
 * - memory: the bytes are reserved in `inFlight`, the count shared by every request of the receiver
 *   (the declared Content-Length up front, else each chunk as it arrives); past `maxInFlightBytes`
 *   the request is refused (503). The reservation is released however the read ends.
 * Rejects with a WebhookError only. After a 408 or a 503 the stream is left paused: answer with
 * `Connection: close` (see `readRefusal`) so that the server closes the connection.
 *
 * A body that came in the same packets as its headers (most webhooks) has been parsed whole by the
 * time a microtask has passed after the request event: it is then taken in one read, with no
 * listeners and no timer (`takeWhole`).
 */
export function readBody(stream: Readable, headers: IncomingHttpHeaders, limits: BodyReadLimits): Promise<Uint8Array> {
  let declared: number | undefined;
  try {
    declared = declaredLength(headers);
  } catch (error) {
    return Promise.reject(error as WebhookError);
  }
  if (declared !== undefined && declared > limits.bodyLimit) {
    stream.resume(); // discard, without buffering, what the client still sends
    return Promise.reject(bodyTooLarge(limits.bodyLimit));
  }
  if (stream.readable === false || stream.readableEnded) return Promise.reject(bodyConsumed());
  if (declared !== undefined && !limits.inFlight.reserve(declared)) return Promise.reject(serverBusy(limits.inFlight.max));
  if (declared === undefined || declared === 0) return readStreaming(stream, declared, limits);
  return Promise.resolve(declared).then((length) => takeWhole(stream, length, limits) ?? readStreaming(stream, length, limits));
}

/**
 * A Node request (`IncomingMessage`, which has `complete`): its parser stops its body at the
 * declared Content-Length (bytes after it belong to the next request), so once that many bytes
 * are buffered they are the whole body, even before the end of the message is signalled.
 */
function isNodeRequest(stream: Readable): boolean {
  return typeof (stream as Readable & { complete?: unknown }).complete === 'boolean';
}

/**
 * The body, read at once, when all `declared` bytes of a Node request are already buffered and
 * nothing else reads it (its `declared` bytes are reserved in flight: released here); else undefined.
 */
function takeWhole(stream: Readable, declared: number, limits: BodyReadLimits): Uint8Array | undefined {
  if (!isNodeRequest(stream) || stream.readableLength !== declared || stream.readableFlowing === true) return undefined;
  if (stream.readableObjectMode || stream.readableEncoding !== null) return undefined;
  const data = stream.read() as Buffer | null;
  if (data === null) return undefined;
  stream.resume(); // the request still ends ('end', then 'close') as one read to its end would
  limits.inFlight.release(declared);
  // A copy, always: a chunk may be a view over a larger socket read buffer.
  return Buffer.concat([data], data.byteLength);
}

/** Read the body chunk by chunk as it arrives (`declared` bytes already reserved when declared). */
function readStreaming(stream: Readable, declared: number | undefined, limits: BodyReadLimits): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    let reserved = declared ?? 0;
    let received = 0;
    const chunks: Buffer[] = [];

    const finish = (error: WebhookError | undefined) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      limits.inFlight.release(reserved);
      reserved = 0;
      if (error === undefined) {
        // A copy, always: a chunk may be a view over a larger socket read buffer.
        resolve(Buffer.concat(chunks, received));
        return;
      }
      chunks.length = 0;
      stream.on('error', ignore); // the request may still fail (the client goes away) once we stopped listening
      if (error.status === 413) stream.resume();
      else stream.pause();
      reject(error);
    };
    const onData = (data: Buffer | string) => {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      received += chunk.byteLength;
      if (received > limits.bodyLimit) return finish(bodyTooLarge(limits.bodyLimit));
      if (declared === undefined) {
        if (!limits.inFlight.reserve(chunk.byteLength)) return finish(serverBusy(limits.inFlight.max));
        reserved += chunk.byteLength;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (declared !== undefined && received !== declared) {
        return finish(new WebhookError(400, 'invalid_body', 'The body could not be read: request size did not match content length'));
      }
      finish(undefined);
    };
    const onError = (error: Error & { code?: string }) => {
      const aborted = error.code === 'ECONNRESET' || error.message === 'aborted';
      finish(
        new WebhookError(400, 'invalid_body', aborted ? 'The client aborted the request' : `The body could not be read: ${error.message}`),
      );
    };
    // A request whose connection closed before the body ended: the client went away.
    const onClose = () => finish(new WebhookError(400, 'invalid_body', 'The client aborted the request'));
    const timer = setTimeout(() => finish(bodyTimedOut(limits.bodyTimeoutMs)), limits.bodyTimeoutMs);

    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    stream.resume();
  });
}
