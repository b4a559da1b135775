/** Machine-readable error codes, one per row of the bad-input table and per item problem. */
export type WebhookErrorCode =
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'request_timeout'
  | 'server_busy'
  | 'invalid_body'
  | 'unknown_shape'
  | 'unauthorized'
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

/** The 413 for a body over the receiver's limit (every adapter answers with this one). */
export function bodyTooLarge(limit: number): WebhookError {
  return new WebhookError(413, 'payload_too_large', `The body is larger than the limit of ${limit} bytes`);
}

/** The 500 for a body a framework parser consumed, leaving no raw bytes to verify. */
export function bodyConsumed(): WebhookError {
  return new WebhookError(
    500,
    'body_consumed',
    'The request body was already consumed by a body parser and no raw bytes are left, so the webhook signature cannot be checked. ' +
      'Mount presenceWebhooks() before express.json() / bodyParser (or on its own path), or keep the raw bytes in req.rawBody.',
  );
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
