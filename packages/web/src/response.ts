import type { WebhookResponse } from '@presence-webhooks/core';

/**
 * A receiver's answer as a web Response. `Connection` is the server's business (HTTP/2 forbids it):
 * the runtime closes or keeps the connection itself.
 */
export function toResponse(answer: WebhookResponse): Response {
  const { connection: _connection, ...headers } = answer.headers;
  return new Response(answer.body, { status: answer.status, headers });
}

/** What a request outside the mount path gets from the handler used on its own (frameworks have their own 404). */
export function notFound(): Response {
  return new Response(JSON.stringify({ error: { code: 'not_found', message: 'No webhook endpoint at this path' } }), {
    status: 404,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
