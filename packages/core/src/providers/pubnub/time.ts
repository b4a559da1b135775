import { timeDigits, timeNumber } from '../../values.js';
/**
 * PubNub timestamps to milliseconds. Legacy presence webhooks carry Unix seconds (a number; channel
 * webhooks' form fields: text); Events & Actions `data.timestamp` carries seconds and
 * `data.precise_timestamp` milliseconds, documented as strings of decimal digits; the older E&A
 * examples carry an ISO 8601 string. Nothing else is a time: "1e308", " 12 ", "0x10" are refused.
 */

/** A value of 10^12 or more cannot be seconds (that is the year 33658): it is read as milliseconds. */
const MS_THRESHOLD = 1e12;

/** An ISO 8601 date-time, as the older E&A examples show it. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** A number, or a string of decimal digits. */
function numberOrDigits(value: unknown): number | undefined {
  return timeNumber(value) ?? timeDigits(value);
}

/** Unix seconds (number, decimal digits) or an ISO 8601 string to ms. */
export function secondsToMs(value: unknown): number | undefined {
  const n = numberOrDigits(value);
  if (n !== undefined) return n >= MS_THRESHOLD ? Math.trunc(n) : Math.round(n * 1000);
  if (typeof value === 'string' && ISO_8601.test(value)) {
    const parsed = Date.parse(value);
    return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
  }
  return undefined;
}

/** Milliseconds (number or decimal digits). */
export function millis(value: unknown): number | undefined {
  const n = numberOrDigits(value);
  return n === undefined ? undefined : Math.trunc(n);
}

/** `precise_timestamp` (ms) when present and valid, else `timestamp` (s) x 1000. */
export function eventTime(precise: unknown, seconds: unknown): number | undefined {
  return millis(precise) ?? secondsToMs(seconds);
}
