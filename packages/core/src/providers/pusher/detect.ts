import type { DecodedBody } from '../../http/decode-body.js';
import { isRecord } from '../../values.js';

/** By shape: `{ time_ms: number, events: [...] }`. */
export function pusherClaimsBody(body: DecodedBody): boolean {
  if (body.kind !== 'json') return false;
  const value = body.value;
  return isRecord(value) && typeof value.time_ms === 'number' && Array.isArray(value.events);
}
