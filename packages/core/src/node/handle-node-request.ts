import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResponseStream, WebhookResponse } from '../http/response.js';
import type { Receiver, WebhookRequest } from '../receiver.js';
import { readBody } from './read-body.js';

/** What a framework may already have done with the body. */
export interface PreRead {
  /** Raw bytes an earlier parser kept (e.g. `req.rawBody` from a `verify` hook). Used only when a Uint8Array. */
  rawBody?: unknown;
  /** A function that reads the body (a framework's own stream of it); default: read `req` with `readBody`. */
  read?: () => Promise<Uint8Array>;
  /** True when a framework's body parser already consumed the stream (the adapter knows how to tell). */
  parsed?: boolean;
  /** The adapter's advice when `parsed` (its framework's parsers, how to keep the raw bytes). */
  parsedHint?: string;
  /**
   * The request URL (path and query) relative to where the adapter is mounted: see
   * `mountRelativeUrl`. Default: `req.url`.
   */
  url?: string;
  /**
   * The client's address as the framework tells it, honouring its proxy setting (Express `req.ip` with
   * `trust proxy`, Koa `ctx.ip` with `app.proxy`, Fastify `request.ip` with `trustProxy`): the throttles count
   * per client, so behind a proxy they must not see the proxy alone. Default: `req.socket.remoteAddress`.
   */
  remoteAddress?: string;
}

/** The default PreRead (nothing read): one shared object, not one per request. */
const NOTHING_READ: PreRead = Object.freeze({});

/**
 * The one node-http layer every adapter sits on: hand the receiver the request with its raw bytes
 * (kept by an earlier parser) or a lazy body that reads them under the one read policy (`readBody`);
 * the receiver reads it, and answers a refused read as it answers every refusal.
 */
export function handleNodeRequest(receiver: Receiver, req: IncomingMessage, preRead: PreRead = NOTHING_READ): Promise<WebhookResponse> {
  const method = req.method ?? 'GET';
  const request: WebhookRequest = { method, headers: req.headers, url: preRead.url ?? req.url ?? '/', body: null };
  // An empty address (Koa's getter without a socket address) is none: the socket's is used, and without one nothing is counted.
  const given = preRead.remoteAddress;
  const address = given !== undefined && given !== '' ? given : req.socket?.remoteAddress;
  if (address !== undefined) request.remoteAddress = address;
  if (method.toUpperCase() !== 'POST') return receiver.handle(request);
  if (preRead.rawBody instanceof Uint8Array) request.body = preRead.rawBody;
  else if (preRead.read !== undefined) request.body = preRead.read;
  else if (preRead.parsed === true || req.readableEnded) {
    request.bodyConsumed = true;
    if (preRead.parsedHint !== undefined) request.bodyConsumedHint = preRead.parsedHint;
  } else request.body = () => readBody(req, req.headers, receiver.limits);
  return receiver.handle(request);
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
