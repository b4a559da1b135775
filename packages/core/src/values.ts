/** Guards and conversions for values read from parsed webhook bodies (any provider). */

/** A plain object (not an array, not bytes). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** A finite number >= 0, given as a number or a numeric string (headers, form fields), else undefined. */
export function nonNegativeNumber(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A count: a safe integer >= 0, given as a number or a numeric string, else undefined. */
export function count(value: unknown): number | undefined {
  const n = nonNegativeNumber(value);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}
