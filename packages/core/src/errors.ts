/** Machine-readable error codes, one per row of the bad-input table and per item problem. */
export type WebhookErrorCode =
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'invalid_body'
  | 'unknown_shape'
  | 'unauthorized'
  | 'provider_not_configured'
  | 'body_consumed'
  | 'invalid_item'
  | 'decode_failed'
  | 'store_failed'
  | 'handler_failed'
  | 'internal_error';

/**
 * An error with an HTTP status and a stable code. Thrown inside the pipeline, turned into a
 * JSON answer by the receiver, and handed to `onError` for item-level problems.
 */
export class WebhookError extends Error {
  readonly code: WebhookErrorCode;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(status: number, code: WebhookErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'WebhookError';
    this.status = status;
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): WebhookResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(value) };
}

/** `{ "error": { "code", "message" } }` with the error's status. */
export function errorResponse(error: WebhookError): WebhookResponse {
  const headers: Record<string, string> = error.status === 405 ? { allow: 'POST' } : {};
  return jsonResponse(error.status, { error: { code: error.code, message: error.message } }, headers);
}
