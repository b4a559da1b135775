import type { ReceiverLimits } from '@presence-webhooks/core/adapter';
import { WebhookError } from '@presence-webhooks/core';
import { bodyTimedOut, bodyTooLarge, serverBusy } from '@presence-webhooks/core/adapter';

function declaredLength(request: Request): number | undefined {
  const value = request.headers.get('content-length')?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

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
 * Read a Request's body stream into bytes within the receiver's limits: a declared Content-Length
 * over `bodyLimit` is refused before a byte is read (413), reading stops at the limit (413), the
 * whole body must arrive within `bodyTimeoutMs` (408), and the bytes held across every request
 * being read stay under `maxInFlightBytes` (503). On a refusal the stream is cancelled, so nothing
 * more is buffered. Only WHATWG streams: the same on Node 20+, Bun, Deno and Workers.
 */
export async function readRequestBody(request: Request, limits: ReceiverLimits): Promise<Uint8Array> {
  const { bodyLimit, bodyTimeoutMs, inFlight, maxInFlightBytes } = limits;
  const stream = request.body;
  const declared = declaredLength(request);
  if (declared !== undefined && declared > bodyLimit) {
    stream?.cancel().catch(() => undefined);
    throw bodyTooLarge(bodyLimit);
  }
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let reserved = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(bodyTimedOut(bodyTimeoutMs)), bodyTimeoutMs);
  });
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
      const chunk = next.value;
      if (total + chunk.byteLength > bodyLimit) throw bodyTooLarge(bodyLimit);
      if (!inFlight.reserve(chunk.byteLength)) throw serverBusy(maxInFlightBytes);
      reserved += chunk.byteLength;
      chunks.push(chunk);
      total += chunk.byteLength;
    }
  } catch (error) {
    reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
    inFlight.release(reserved);
  }
  return concat(chunks, total);
}
