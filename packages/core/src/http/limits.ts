/**
 * Default body limit: 5 MiB. An Ably batch holds at most a few hundred messages of at most
 * 64 KiB of data each in practice; 5 MiB leaves room for a full batch in JSON (base64 inflates
 * binary data by a third) while bounding what one request can make us buffer.
 */
export const DEFAULT_BODY_LIMIT = 5 * 1024 * 1024;

/** Default time to receive a whole body once its headers arrived: 10 s (then 408 and close). */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

/** Default cap on bytes buffered across all requests being read: 64 MiB (then 503 with Retry-After). */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;
