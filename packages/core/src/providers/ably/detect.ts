import type { DecodedBody } from '../../http/decode-body.js';
import type { RequestHeaders } from '../../http/headers.js';
import { isRecord } from '../../values.js';

/** Ably marks its requests with x-ably-* headers (signature, key, version, envelope metadata). */
export function ablyClaimsHeaders(headers: RequestHeaders): boolean {
  // The headers of a signed batch first: no walk over every header name.
  if (headers['x-ably-signature'] !== undefined || headers['x-ably-key'] !== undefined) return true;
  for (const name in headers) if (name.startsWith('x-ably-') && headers[name] !== undefined) return true;
  return false;
}

/** Without Ably headers: a batch `{ items: [...] }` or an enveloped request `{ source: 'channel.*' }`. */
export function ablyClaimsBody(body: DecodedBody): boolean {
  if (body.kind !== 'json' && body.kind !== 'msgpack') return false;
  const value = body.value;
  if (!isRecord(value)) return false;
  return Array.isArray(value.items) || (typeof value.source === 'string' && value.source.startsWith('channel.'));
}
