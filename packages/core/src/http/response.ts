import type { WebhookError } from '../errors.js';

/**
 * A body that streams (the inspector's Server-Sent Events): chunks written as they come; the
 * adapter calls `close()` when the client goes away.
 */
export interface ResponseStream extends AsyncIterable<string> {
  close(): void;
}

/** What the receiver answers; adapters write it as it is. */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** When set, the answer is this stream (and `body` is empty): write each chunk, then end. */
  stream?: ResponseStream;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): WebhookResponse {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}

/**
 * `{ "error": { "code", "message" } }` with the error's status (405 names `Allow: POST`; 503 asks to
 * retry; 429 says when, from `details.retryAfter` in seconds).
 */
export function errorResponse(error: WebhookError): WebhookResponse {
  const headers: Record<string, string> =
    error.status === 405
      ? { allow: 'POST' }
      : error.status === 503
        ? { 'retry-after': '1' }
        : error.status === 429
          ? { 'retry-after': String(error.details?.retryAfter ?? 1) }
          : {};
  return jsonResponse(error.status, { error: { code: error.code, message: error.message } }, headers);
}

/**
 * The 200 answer to an accepted delivery: how many events it carried, how many items were refused (built
 * without JSON.stringify: two integers).
 */
export function acceptedResponse(accepted: {
  presence: readonly unknown[];
  channel: readonly unknown[];
  problems: readonly unknown[];
}): WebhookResponse {
  const events = accepted.presence.length + accepted.channel.length;
  return {
    status: 200,
    headers: { 'content-type': JSON_TYPE },
    body: `{"ok":true,"events":${events},"rejected":${accepted.problems.length}}`,
  };
}

/** A body read refused with this error left the body unread (413, 408, 503): the connection must close after the answer. */
export function leavesBodyUnread(error: WebhookError): boolean {
  return error.status === 413 || error.status === 408 || error.status === 503;
}

/**
 * The answer to a body read the receiver refused (`BodyRead`): its JSON error, and `Connection: close`
 * when the body was not read to its end (`leavesBodyUnread`: the server then closes the connection).
 */
export function readRefusal(error: WebhookError): WebhookResponse {
  const response = errorResponse(error);
  if (!leavesBodyUnread(error)) return response;
  return { ...response, headers: { ...response.headers, connection: 'close' } };
}
