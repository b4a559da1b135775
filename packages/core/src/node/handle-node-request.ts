import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebhookError } from '../errors.js';
import type { ResponseStream, WebhookResponse } from '../http/response.js';
import type { Receiver, WebhookRequest } from '../receiver.js';
import { refuseRead } from '../adapter/refusal.js';
import { readBody } from './read-body.js';

/** What a framework may already have done with the body. */
export interface PreRead {
  /** Raw bytes an earlier parser kept (e.g. `req.rawBody` from a `verify` hook). Used only when a Uint8Array. */
  rawBody?: unknown;
  /** True when a framework's body parser already consumed the stream (the adapter knows how to tell). */
  parsed?: boolean;
  /** The adapter's advice when `parsed` (its framework's parsers, how to keep the raw bytes). */
  parsedHint?: string;
  /**
   * The request URL (path and query) relative to where the adapter is mounted: see
   * `mountRelativeUrl`. Default: `req.url`.
   */
  url?: string;
}

/**
 * The one node-http layer every adapter sits on: take the raw bytes (kept by an earlier parser,
 * or read here within the receiver's limits: size, time, and bytes in flight) and let the receiver
 * decide the answer. Never rejects for a refused read (the receiver answers it).
 */
export function handleNodeRequest(receiver: Receiver, req: IncomingMessage, preRead: PreRead = {}): Promise<WebhookResponse> {
  const method = req.method ?? 'GET';
  const url = preRead.url ?? req.url ?? '/';
  if (method.toUpperCase() !== 'POST') return receiver.handle(webhookRequest(req, method, url, null));
  if (preRead.rawBody instanceof Uint8Array) return receiver.handle(webhookRequest(req, method, url, preRead.rawBody));
  if (preRead.parsed === true || req.readableEnded) {
    const request = webhookRequest(req, method, url, null);
    request.bodyConsumed = true;
    if (preRead.parsedHint !== undefined) request.bodyConsumedHint = preRead.parsedHint;
    return receiver.handle(request);
  }
  return readBody(req, req.headers, receiver.limits).then(
    (body) => receiver.handle(webhookRequest(req, method, url, body)),
    (error: unknown) => {
      if (error instanceof WebhookError) return refuseRead(receiver, webhookRequest(req, method, url, null), error);
      throw error;
    },
  );
}

/** The receiver's request for a Node request (one shape for every call). */
function webhookRequest(req: IncomingMessage, method: string, url: string, body: Uint8Array | null): WebhookRequest {
  const request: WebhookRequest = { method, headers: req.headers, url, body };
  const address = req.socket?.remoteAddress;
  if (address !== undefined) request.remoteAddress = address;
  return request;
}

/** The headers to write with a receiver's answer. A 413 closes the connection: the rest of the body is not read. */
export function responseHeaders(response: WebhookResponse): Record<string, string> {
  return response.status === 413 ? { ...response.headers, connection: 'close' } : response.headers;
}

/** Write a receiver's answer to a Node response (a streaming answer chunk by chunk, until it ends or the client leaves). */
export function sendNodeResponse(res: ServerResponse, response: WebhookResponse): void {
  if (res.headersSent) return;
  res.statusCode = response.status;
  const headers = responseHeaders(response);
  for (const name in headers) res.setHeader(name, headers[name]!);
  if (response.stream !== undefined) {
    void writeStream(res, response.stream);
    return;
  }
  res.setHeader('content-length', Buffer.byteLength(response.body));
  res.end(response.body);
}

/** Write a stream with backpressure; a client that disconnects closes it. */
async function writeStream(res: ServerResponse, stream: ResponseStream): Promise<void> {
  const gone = new Promise<void>((resolve) => res.once('close', resolve));
  void gone.then(() => stream.close());
  res.flushHeaders();
  try {
    for await (const chunk of stream) {
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), gone]);
      if (res.destroyed) break;
    }
  } catch {
    // a failing stream ends the answer
  } finally {
    stream.close();
    if (!res.destroyed) res.end();
  }
}
