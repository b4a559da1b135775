import type { Receiver, WebhookRequest, WebhookResponse } from '@presence-webhooks/core';
import type { RequestHeaders } from '@presence-webhooks/core/adapter';
import { readRequestBody } from './read-body.js';
import { toResponse } from './response.js';

/** What the platform offers to keep work alive after the answer (Vercel, Cloudflare, Netlify, Hono's executionCtx). */
export interface WaitUntilContext {
  waitUntil?(promise: Promise<unknown>): void;
}

export interface WebRequestOptions {
  /** The request URL (path and query) relative to where the handler is mounted. Default: the URL's path and query. */
  url?: string;
  /** Keeps the application of the delivery alive after the answer; without it the answer waits for the commit. */
  context?: WaitUntilContext | undefined;
  /** Exact raw bytes an earlier layer already read (e.g. Hono's cached `arrayBuffer()`); otherwise read here. */
  rawBody?: Uint8Array | undefined;
  /** The client's address (see `runtimeClientAddress`): wrong secrets are throttled per address, and onReject names it. */
  remoteAddress?: string | undefined;
  /**
   * Reads the raw bytes another way than the Request's stream, under core's read policy (the Hono adapter on
   * @hono/node-server reads Node's own request: no web stream); called only when the receiver needs the body. The
   * caller has checked that nothing read the body before.
   */
  readBody?: (() => Promise<Uint8Array>) | undefined;
}

function pathAndQuery(href: string): string {
  const url = new URL(href);
  return url.pathname + url.search;
}

/** Header names from a Headers object (already lower-case) into a record with no prototype. */
function headerRecord(headers: Headers): RequestHeaders {
  const record: Record<string, string> = Object.create(null) as Record<string, string>;
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

/** The platform's waitUntil, called as a method of its context (a Workers ctx needs its `this`). */
function waitUntilOf(context: WaitUntilContext | undefined): ((promise: Promise<unknown>) => void) | undefined {
  if (context === undefined || context === null || typeof context.waitUntil !== 'function') return undefined;
  return (promise) => context.waitUntil?.(promise);
}

/**
 * The one web-standard layer: hand the receiver the request with a lazy body that reads the raw
 * bytes under core's read policy (`readRequestBody`), and answer a Response. With a `waitUntil`, an
 * on-receipt receiver answers at once and hands the pending application to it; without one the
 * answer waits until the store committed (503 when it failed), because a serverless function may be
 * frozen as soon as it answered.
 */
export async function handleWebRequest(receiver: Receiver, request: Request, options: WebRequestOptions = {}): Promise<Response> {
  const url = options.url ?? pathAndQuery(request.url);
  const webhook: WebhookRequest = { method: request.method, headers: headerRecord(request.headers), url, body: null };
  if (options.remoteAddress !== undefined) webhook.remoteAddress = options.remoteAddress;
  if (webhook.method.toUpperCase() !== 'POST') return answer(await receiver.handle(webhook), request);
  const waitUntil = waitUntilOf(options.context);
  const ack = waitUntil === undefined ? { awaitCommit: true } : { waitUntil };
  // With `readBody` the stream is not looked at, nor `signal` unless needed: on @hono/node-server each makes the
  // full Request (an AbortController, a web stream over the Node request).
  if (options.rawBody !== undefined) webhook.body = options.rawBody;
  else if (options.readBody !== undefined) webhook.body = options.readBody;
  else if (request.bodyUsed || request.body?.locked === true) webhook.bodyConsumed = true;
  else webhook.body = () => readRequestBody(request, receiver.limits);
  return answer(await receiver.handle(webhook, ack), request);
}

/** The Response; only a streaming answer (the inspector's events) is tied to the request's signal. */
function answer(response: WebhookResponse, request: Request): Response {
  return toResponse(response, response.stream === undefined ? undefined : request.signal);
}
