import { nonNegativeNumber } from '../../values.js';
/**
 * PubNub timestamps to milliseconds. Legacy presence webhooks and E&A `data.timestamp` carry Unix
 * seconds (a number or a numeric string); E&A `data.precise_timestamp` carries milliseconds; the
 * older E&A examples carry an ISO 8601 string.
 */

/** A value of 10^12 or more cannot be seconds (that is the year 33658): it is read as milliseconds. */
const MS_THRESHOLD = 1e12;

/** Unix seconds (number, numeric string) or an ISO 8601 string to ms. */
export function secondsToMs(value: unknown): number | undefined {
  const n = nonNegativeNumber(value);
  if (n !== undefined) return n >= MS_THRESHOLD ? Math.trunc(n) : Math.round(n * 1000);
  if (typeof value === 'string' && value.includes('T')) {
    const parsed = Date.parse(value);
    return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
  }
  return undefined;
}

/** Milliseconds (number or numeric string). */
export function millis(value: unknown): number | undefined {
  const n = nonNegativeNumber(value);
  return n === undefined ? undefined : Math.trunc(n);
}

/** `precise_timestamp` (ms) when present and valid, else `timestamp` (s) x 1000. */
export function eventTime(precise: unknown, seconds: unknown): number | undefined {
  return millis(precise) ?? secondsToMs(seconds);
}
