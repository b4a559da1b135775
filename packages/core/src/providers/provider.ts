import type { ChannelEvent, PresenceEvent, ProviderName } from '../events.js';
import type { WebhookError } from '../errors.js';
import type { DecodedBody, MultipartParser } from '../http/decode-body.js';
import type { RequestHeaders } from '../http/headers.js';

/** What a provider gets to authenticate a request. */
export interface VerifyInput {
  headers: RequestHeaders;
  /** The raw body bytes, exactly as received. */
  body: Uint8Array;
  /** The query string parameters of the request URL. */
  query: URLSearchParams;
}

/** What a provider makes of a body: events for the store, events to emit as they are, and per-item problems. */
export interface Normalised {
  presence: PresenceEvent[];
  channel: ChannelEvent[];
  /** Problems with single items (or single decoding steps); the rest of the delivery stands. */
  problems: WebhookError[];
}

/**
 * One webhook provider. The receiver asks each in turn whether it claims a request (first by
 * headers, so that signed requests are verified before their body is parsed, then by the decoded
 * shape), then verifies and normalises with the one that claimed it.
 */
export interface Provider {
  readonly name: ProviderName;
  claimsHeaders(headers: RequestHeaders): boolean;
  claimsBody(body: DecodedBody, headers: RequestHeaders): boolean;
  /** Throws a 401 WebhookError when the request is not authentic. */
  verify(input: VerifyInput): void;
  /** Throws a 400 WebhookError when the body has no known shape; reports item problems in the result. */
  normalise(body: DecodedBody, headers: RequestHeaders, raw: Uint8Array): Normalised;
  /** Multipart/form-data parser, for providers that receive multipart bodies. */
  readonly multipart?: MultipartParser;
}
