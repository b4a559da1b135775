import type { WebhookResponse } from '@presence-webhooks/core';

/** Seconds a client is asked to wait after a 503 server_busy (the in-flight cap). */
export const BUSY_RETRY_AFTER_SECONDS = 1;

/** A receiver's answer as a web Response (a 503 for the in-flight cap carries Retry-After). */
export function toResponse(answer: WebhookResponse, options: { busy?: boolean } = {}): Response {
  const headers = options.busy === true ? { ...answer.headers, 'retry-after': String(BUSY_RETRY_AFTER_SECONDS) } : answer.headers;
  return new Response(answer.body, { status: answer.status, headers });
}

/** What a request outside the mount path gets from the handler used on its own (frameworks have their own 404). */
export function notFound(): Response {
  return new Response(JSON.stringify({ error: { code: 'not_found', message: 'No webhook endpoint at this path' } }), {
    status: 404,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
