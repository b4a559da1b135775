/**
 * The error model, one class per kind of failure, one union of codes:
 * - `WebhookError`: an HTTP refusal (status + code), turned into the JSON answer by http/response.ts;
 * - `ItemProblem`: one bad item of an otherwise valid delivery (the rest stands; goes to onError);
 * - `StoreError`: the store failed to apply a delivery (goes to onError; 503 in after-store mode);
 * - `HandlerError`: event handlers threw (an AggregateError of what they threw);
 * - `ResyncError` (rest/resync-error.ts): a provider's REST API did not answer a snapshot;
 * - `ReceiverError`: a call the receiver cannot serve (closed, no provider for a channel).
 * Every class carries a `code` from `ErrorCode`.
 */

/** The codes of HTTP refusals (WebhookError); `store_failed` is also a background failure's. */
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
  | 'not_found'
  | 'read_endpoint_off'
  | 'internal_error'
  | 'store_failed';

/** Every code the package raises: HTTP refusals, item problems (ItemProblem), background failures. */
export type ErrorCode =
  | WebhookErrorCode
  | 'invalid_item'
  | 'decode_failed'
  | 'handler_failed'
  | 'resync_failed'
  | 'receiver_closed'
  | 'unknown_provider'
  | 'feed_cursor_expired';

/** An HTTP refusal: thrown inside the pipeline, answered as `{ "error": { code, message } }` with its status. */
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

/** One item of a delivery that could not be read (or one decoding step that failed); the rest of the delivery stands. */
export class ItemProblem extends Error {
  readonly code: 'invalid_item' | 'decode_failed';
  readonly details?: Record<string, unknown>;

  constructor(code: 'invalid_item' | 'decode_failed', message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ItemProblem';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

/** The store failed to apply a delivery (each attempt is reported; `details.attempt` of `details.attempts`). */
export class StoreError extends Error {
  readonly code = 'store_failed';
  readonly details: { attempt: number; attempts: number; cause: string };

  constructor(message: string, details: { attempt: number; attempts: number; cause: string }, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'StoreError';
    this.details = details;
  }
}

/** Event handlers threw or rejected: `errors` holds what they threw. */
export class HandlerError extends AggregateError {
  readonly code = 'handler_failed';

  constructor(errors: readonly unknown[]) {
    super(errors, `${errors.length} event handler(s) failed`);
    this.name = 'HandlerError';
  }
}

/** A call the receiver cannot serve: it is closed, or it cannot tell a channel's provider. */
export class ReceiverError extends Error {
  readonly code: 'receiver_closed' | 'unknown_provider' | 'feed_cursor_expired';

  constructor(code: 'receiver_closed' | 'unknown_provider' | 'feed_cursor_expired', message: string) {
    super(`presence-webhooks: ${message}`);
    this.name = 'ReceiverError';
    this.code = code;
  }
}

/** The 413 for a body over the receiver's limit (every adapter answers with this one). */
export function bodyTooLarge(limit: number): WebhookError {
  return new WebhookError(
    413,
    'payload_too_large',
    `The body is larger than the limit of ${limit} bytes (the receiver's bodyLimit option; the default 5 MiB holds a full Ably batch). ` +
      "Raise bodyLimit if your deliveries are bigger, and any body parser or proxy limit in front (a body parser's limit, nginx client_max_body_size) to match.",
  );
}

/** The 408 for a body that did not arrive within `bodyTimeoutMs` (adapters answer it and close the connection). */
export function bodyTimedOut(ms: number): WebhookError {
  return new WebhookError(408, 'request_timeout', `The body did not arrive within ${ms} ms (the receiver's bodyTimeoutMs)`);
}

/** The 503 for a body that would take the bytes buffered across all requests past `maxInFlightBytes` (answered with Retry-After). */
export function serverBusy(max: number): WebhookError {
  return new WebhookError(
    503,
    'server_busy',
    `More than ${max} bytes of webhook bodies are being received at once (maxInFlightBytes); retry the delivery`,
  );
}

/**
 * The 500 for a body a framework parser consumed, leaving no raw bytes to verify. `hint` is the
 * adapter's own advice (it knows its framework's parsers); core's text names none.
 */
export function bodyConsumed(hint?: string): WebhookError {
  return new WebhookError(
    500,
    'body_consumed',
    'The request body was already consumed by a body parser and no raw bytes are left, so the webhook signature cannot be checked. ' +
      (hint ?? 'Mount presenceWebhooks() before the body parser (or on its own path), or keep the exact raw bytes for it.'),
  );
}

/** Anything thrown, as an Error. */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
