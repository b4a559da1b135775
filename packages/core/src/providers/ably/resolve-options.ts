import { objectOption, optionalBoolean, optionalString, optionError } from '../../option-checks.js';
import type { ResolvedProvider } from '../provider.js';
import { checkSecret, restOf, shortSecret } from '../provider-options.js';
import type { AblyOptions, AblyRestOptions } from './options.js';

const DEFAULT_ABLY_REST_URL = 'https://main.realtime.ably.net';

/** Every option name of `ably` (checkKnownKeys refuses any other); a field added to AblyOptions fails the type check until listed. */
const ABLY_OPTION_NAMES: Record<keyof AblyOptions, true> = {
  keys: true,
  secret: true,
  secretHeader: true,
  cipherKeys: true,
  insecure: true,
  rest: true,
};

const ABLY_REST_OPTION_NAMES: Record<keyof AblyRestOptions, true> = { baseUrl: true, timeoutMs: true, prefix: true };

/** `ably` of createReceiver, checked: keys, a shared secret or insecure; warnings for short secrets and insecure. */
export function resolveAblyOptions(value: unknown, warnings: string[]): ResolvedProvider<AblyOptions> | undefined {
  const ably = objectOption(value, 'ably', ABLY_OPTION_NAMES);
  if (ably === undefined) return undefined;
  if (ably.keys !== undefined && !Array.isArray(ably.keys))
    throw optionError('ably.keys', 'an array of "appId.keyId:keySecret" strings', ably.keys);
  const keys = (ably.keys ?? []) as unknown[];
  checkSecret(ably.secret, 'ably.secret', true);
  optionalString(ably.secretHeader, 'ably.secretHeader');
  const insecure = optionalBoolean(ably.insecure, 'ably.insecure', false);
  const cipherKeys = ably.cipherKeys;
  if (cipherKeys !== undefined && typeof cipherKeys !== 'function' && (typeof cipherKeys !== 'object' || cipherKeys === null)) {
    throw optionError('ably.cipherKeys', 'an object of channel -> key, or a function (channel) => key', cipherKeys);
  }
  if (keys.length === 0 && ably.secret === undefined && !insecure) {
    throw new TypeError(
      'presence-webhooks: ably needs keys (to verify X-Ably-Signature), a shared secret, or insecure: true (got none of them)',
    );
  }
  shortSecret('ably.secret', ably.secret, warnings);
  keys.forEach((key, i) => {
    if (typeof key === 'string' && key.includes(':'))
      shortSecret(`the secret of ably.keys[${i}]`, key.slice(key.indexOf(':') + 1), warnings);
  });
  if (insecure)
    warnings.push('presence-webhooks: ably.insecure is set: unsigned Ably webhooks are accepted. Do not run this in production.');
  return { options: ably as AblyOptions, ...restOf(ably.rest, 'ably.rest', DEFAULT_ABLY_REST_URL, ABLY_REST_OPTION_NAMES) };
}
