/** What every provider's option check shares: its secrets, and its REST endpoint. */
import { httpUrl, objectOption, optionError, positiveNumber } from '../option-checks.js';
import { DEFAULT_REST_TIMEOUT_MS } from '../rest/options.js';

/** Below this a provider secret is warned about (the provider's console sets it, so it is not refused). */
const SHORT_SECRET = 16;

/** The loud warning for a provider secret shorter than SHORT_SECRET characters (never the secret itself). */
export function shortSecret(name: string, secret: unknown, warnings: string[]): void {
  if (typeof secret === 'string' && secret.length < SHORT_SECRET)
    warnings.push(
      `presence-webhooks: WARNING: ${name} is only ${secret.length} characters: a short secret can be guessed. Use the full secret from the provider's console (or generate a long one where you set it).`,
    );
}

/** A secret (unless optional and not given) must be a non-empty string. Its value is never shown in an error. */
export function checkSecret(value: unknown, name: string, optional: boolean): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'string' || value === '')
    throw optionError(name, 'a non-empty string', typeof value === 'string' ? '' : typeof value);
}

/** A provider's `rest` option (`known`: its names): the REST endpoint and the timeout of one request. */
export function restOf(
  value: unknown,
  name: string,
  defaultUrl: string,
  known: Readonly<Record<string, true>>,
): { restBaseUrl: string; restTimeoutMs: number } {
  const rest = objectOption(value, name, known);
  return {
    restBaseUrl: httpUrl(rest?.baseUrl, `${name}.baseUrl`, defaultUrl),
    restTimeoutMs: positiveNumber(rest?.timeoutMs, `${name}.timeoutMs`, DEFAULT_REST_TIMEOUT_MS),
  };
}
