import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A per-process key: comparing HMACs of both sides makes the comparison constant-time whatever their lengths. */
const blindingKey = randomBytes(32);

function digest(value: string | Uint8Array): Buffer {
  return createHmac('sha256', blindingKey).update(value).digest();
}

/** Constant-time equality of two secrets of any length. */
export function secretsEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
