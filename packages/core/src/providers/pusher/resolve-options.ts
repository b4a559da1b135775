import { objectOption, optionalString, optionError } from '../../option-checks.js';
import { REST_OPTION_NAMES } from '../../rest/options.js';
import type { ResolvedProvider } from '../provider.js';
import { checkSecret, restOf, shortSecret } from '../provider-options.js';
import type { PusherKey, PusherOptions } from './options.js';

const DEFAULT_PUSHER_REST_URL = 'https://api-mt1.pusher.com';

/** Every option name of `pusher` (checkKnownKeys refuses any other); a field added to PusherOptions fails the type check until listed. */
const PUSHER_OPTION_NAMES: Record<keyof PusherOptions, true> = { keys: true, appId: true, rest: true };

const PUSHER_KEY_NAMES: Record<keyof PusherKey, true> = { key: true, secret: true };

/** `pusher` of createReceiver, checked: at least one { key, secret } pair, the app id and the REST endpoint. */
export function resolvePusherOptions(value: unknown, warnings: string[]): ResolvedProvider<PusherOptions> | undefined {
  const pusher = objectOption(value, 'pusher', PUSHER_OPTION_NAMES);
  if (pusher === undefined) return undefined;
  if (!Array.isArray(pusher.keys) || pusher.keys.length === 0) {
    throw optionError(
      'pusher.keys',
      'a non-empty array of { key, secret } (the app key and secret from the Pusher dashboard)',
      pusher.keys,
    );
  }
  const keys = (pusher.keys as unknown[]).map((entry, i) => {
    const pair = objectOption(entry, `pusher.keys[${i}]`, PUSHER_KEY_NAMES);
    if (pair === undefined) throw optionError(`pusher.keys[${i}]`, 'an object { key, secret }', entry);
    const key = optionalString(pair.key, `pusher.keys[${i}].key`);
    if (key === undefined) throw optionError(`pusher.keys[${i}].key`, 'a non-empty string', pair.key);
    checkSecret(pair.secret, `pusher.keys[${i}].secret`, false);
    shortSecret(`pusher.keys[${i}].secret`, pair.secret, warnings);
    return { key, secret: pair.secret as string };
  });
  const appId = optionalString(pusher.appId, 'pusher.appId');
  const options: PusherOptions = { keys, ...(appId === undefined ? {} : { appId }) };
  const resolved = { options, ...restOf(pusher.rest, 'pusher.rest', DEFAULT_PUSHER_REST_URL, REST_OPTION_NAMES) };
  if (pusher.rest !== undefined) options.rest = { baseUrl: resolved.restBaseUrl, timeoutMs: resolved.restTimeoutMs };
  return resolved;
}
