/** Guards and conversions for values read from parsed webhook bodies (any provider). */

/** A plain object (not an array, not bytes). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** A finite number >= 0 read from a body, given as a number or a numeric string (headers, form fields), else undefined. */
function nonNegativeValue(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A count: a safe integer >= 0, given as a number or a numeric string, else undefined. */
export function count(value: unknown): number | undefined {
  const n = nonNegativeValue(value);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The largest provider time accepted, in ms: the end of JavaScript's Date range (year 275760).
 * Anything past now + maxClockSkewMs is refused later anyway; this keeps absurd numbers (1e308) out
 * of arithmetic on times.
 */
export const MAX_TIME_MS = 8.64e15;

/** A provider time given as a JSON / MsgPack number: finite, >= 0 and <= MAX_TIME_MS, else undefined. */
export function timeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_TIME_MS ? value : undefined;
}

/**
 * A provider time given as text (a header, a form field, PubNub's string `timestamp` and
 * `precise_timestamp`): plain decimal digits only, at most 16 of them, else undefined. No sign, no
 * spaces, no exponent, no hex, no fraction: "1e308", " 12 " and "0x10" are not times.
 */
export function timeDigits(value: unknown): number | undefined {
  return typeof value === 'string' && /^[0-9]{1,16}$/.test(value) ? timeNumber(Number(value)) : undefined;
}
