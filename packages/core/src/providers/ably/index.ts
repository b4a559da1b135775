import type { Provider } from '../provider.js';
import { ablyClaimsBody, ablyClaimsHeaders } from './detect.js';
import { parseKeyring } from './keyring.js';
import { normaliseAbly } from './normalise.js';
import type { AblyOptions, CipherKey } from './options.js';
import { verifyAbly } from './verify.js';

export type { AblyOptions, CipherKey } from './options.js';

export function cipherLookup(option: AblyOptions['cipherKeys']): (channel: string) => CipherKey | undefined {
  if (option === undefined) return () => undefined;
  if (typeof option === 'function') return option;
  return (channel) => (Object.hasOwn(option, channel) ? option[channel] : undefined);
}

/** The Ably provider: detect by x-ably-* headers or shape, verify HMAC (or shared secret), normalise. */
export function createAblyProvider(options: AblyOptions): Provider {
  const keyring = parseKeyring(options.keys ?? []);
  if (keyring.length === 0 && options.secret === undefined && options.insecure !== true) {
    throw new TypeError('ably: give keys (to verify X-Ably-Signature), a shared secret, or insecure: true');
  }
  const cipherKey = cipherLookup(options.cipherKeys);
  return {
    name: 'ably',
    claimsHeaders: ablyClaimsHeaders,
    claimsBody: ablyClaimsBody,
    verify: (input) => verifyAbly(input, keyring, options),
    normalise: (body, headers, raw) => normaliseAbly(body, headers, raw, cipherKey),
  };
}
