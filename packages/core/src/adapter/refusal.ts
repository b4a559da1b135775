import type { WebhookError } from '../errors.js';
import type { Receiver, WebhookRequest } from '../receiver.js';
import type { WebhookResponse } from '../http/response.js';
import { errorResponse } from '../http/response.js';

function refusalHeaders(error: WebhookError): Record<string, string> {
  if (error.code === 'server_busy') return { connection: 'close', 'retry-after': '1' };
  if (error.code === 'payload_too_large' || error.code === 'request_timeout') return { connection: 'close' };
  return {};
}

/**
 * The answer to a read `readBody` refused: its JSON error, and `Connection: close` when the body was
 * not read to its end (413, 408, 503: the server then closes the connection), with `Retry-After: 1`
 * on a 503.
 */
export function readRefusal(error: WebhookError): WebhookResponse {
  const response = errorResponse(error);
  return { ...response, headers: { ...response.headers, ...refusalHeaders(error) } };
}

/**
 * A body `readBody` refused (too large, too slow, over the in-flight cap): the receiver answers it,
 * so `onReject` sees it like every refusal; the connection closes when the body was not read to its end.
 */
export async function refuseRead(receiver: Receiver, request: WebhookRequest, error: WebhookError): Promise<WebhookResponse> {
  const answer = await receiver.handle({ ...request, readError: error });
  return { ...answer, headers: { ...answer.headers, ...readRefusal(error).headers } };
}
