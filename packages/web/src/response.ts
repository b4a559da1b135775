import type { WebhookResponse } from '@presence-webhooks/core';

const utf8 = new TextEncoder();

/**
 * A receiver's answer as a web Response; a streaming answer (the inspector's events) becomes a
 * ReadableStream that pulls from it, closed when the client goes away. `Connection` is the server's
 * business (HTTP/2 forbids it): the runtime closes or keeps the connection itself.
 */
export function toResponse(answer: WebhookResponse, signal?: AbortSignal): Response {
  const { connection: _connection, ...headers } = answer.headers;
  const stream = answer.stream;
  if (stream === undefined) return new Response(answer.body, { status: answer.status, headers });
  const chunks = stream[Symbol.asyncIterator]();
  signal?.addEventListener('abort', () => stream.close(), { once: true });
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done === true) controller.close();
      else controller.enqueue(utf8.encode(next.value));
    },
    cancel() {
      stream.close();
    },
  });
  return new Response(body, { status: answer.status, headers });
}

/** What a request outside the mount path gets from the handler used on its own (frameworks have their own 404). */
export function notFound(): Response {
  return new Response(JSON.stringify({ error: { code: 'not_found', message: 'No webhook endpoint at this path' } }), {
    status: 404,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
