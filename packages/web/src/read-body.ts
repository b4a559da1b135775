import type { BodyReadLimits } from '@presence-webhooks/core/adapter';
import { BodyRead } from '@presence-webhooks/core/adapter';
import { WebhookError } from '@presence-webhooks/core';

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * Read a Request's body stream into bytes under core's one read policy (`BodyRead`, as the node
 * layer does): a malformed Content-Length is a 400, a declared one over `bodyLimit` a 413 before a
 * byte is read, the declared length is reserved in flight (503 past `maxInFlightBytes`), reading
 * stops at the limit (413) or past the declared length (400), the whole body must arrive within
 * `bodyTimeoutMs` (408). On a refusal the stream is cancelled, so nothing more is buffered. Only
 * WHATWG streams: the same on Node 20+, Bun, Deno and Workers.
 */
export async function readRequestBody(request: Request, limits: BodyReadLimits): Promise<Uint8Array> {
  const stream = request.body;
  if (stream?.locked === true)
    throw new WebhookError(
      500,
      'body_consumed',
      'The request body was already read (its stream is locked): hand the Request to presence-webhooks before reading it',
    );
  let read: BodyRead;
  try {
    read = BodyRead.begin(request.headers.get('content-length') ?? undefined, limits);
  } catch (error) {
    stream?.cancel().catch(() => undefined);
    throw error;
  }
  if (stream === null) {
    read.end();
    return new Uint8Array(0);
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  const deadline = new Promise<never>((_resolve, reject) => read.deadline(reject));
  deadline.catch(() => undefined);
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await Promise.race([reader.read(), deadline]);
      } catch (error) {
        if (error instanceof WebhookError) throw error;
        throw new WebhookError(400, 'invalid_body', 'The client aborted the request');
      }
      if (next.done) break;
      read.take(next.value.byteLength);
      chunks.push(next.value);
    }
    read.end();
  } catch (error) {
    reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    read.release();
  }
  return concat(chunks, read.length);
}
