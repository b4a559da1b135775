import { WebhookError } from '../errors.js';
import type { WebhookResponse } from '../http/response.js';
import { errorResponse } from '../http/response.js';

/** Headers of every inspector answer: never cached, never framed, never sniffed. */
const GUARD: Record<string, string> = {
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
const API_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** An inspector answer with the guard headers and a Content-Security-Policy (by default: nothing may load). */
export function guarded(response: WebhookResponse, policy = API_POLICY): WebhookResponse {
  return { ...response, headers: { ...response.headers, ...GUARD, 'content-security-policy': policy } };
}

/** A guarded error answer. */
export function refusal(
  status: number,
  code: 'unauthorized' | 'not_found' | 'method_not_allowed' | 'server_busy',
  message: string,
  details?: Record<string, unknown>,
): WebhookResponse {
  return guarded(errorResponse(new WebhookError(status, code, message, details)));
}
