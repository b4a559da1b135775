/**
 * Default body limit: 5 MiB. An Ably batch holds at most a few hundred messages of at most
 * 64 KiB of data each in practice; 5 MiB leaves room for a full batch in JSON (base64 inflates
 * binary data by a third) while bounding what one request can make us buffer.
 */
export const DEFAULT_BODY_LIMIT = 5 * 1024 * 1024;
