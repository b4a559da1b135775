import type { DecodedBody } from '../../http/decode-body.js';
import type { RequestHeaders } from '../../http/headers.js';
import { isRecord } from '../../values.js';

/** Pusher marks its requests with X-Pusher-Key (and X-Pusher-Signature). */
export function pusherPresents(headers: RequestHeaders): boolean {
  return headers['x-pusher-key'] !== undefined || headers['x-pusher-signature'] !== undefined;
}

/** By shape: `{ time_ms: number, events: [...] }`. */
export function pusherClaimsBody(body: DecodedBody): boolean {
  if (body.kind !== 'json') return false;
  const value = body.value;
  return isRecord(value) && typeof value.time_ms === 'number' && Array.isArray(value.events);
}
