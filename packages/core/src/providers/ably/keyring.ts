import { optionError } from '../../option-checks.js';
import type { KeyObject } from 'node:crypto';
import { createSecretKey } from 'node:crypto';

export interface AblyKey {
  /** `appId.keyId`, as X-Ably-Key names it. */
  name: string;
  /** The part after the dot. */
  keyId: string;
  /** The secret (the part after the colon, as UTF-8) as a KeyObject: an HMAC keyed by it skips importing the key on every request. */
  hmacKey: KeyObject;
}

/** Parse `appId.keyId:keySecret` strings; throws a TypeError naming the bad entry (never its secret). */
export function parseKeyring(keys: readonly string[]): AblyKey[] {
  return keys.map((key, i) => {
    if (typeof key !== 'string') throw optionError(`ably.keys[${i}]`, 'a string "appId.keyId:keySecret"', key);
    const colon = key.indexOf(':');
    const name = colon > 0 ? key.slice(0, colon) : '';
    const secret = colon > 0 ? key.slice(colon + 1) : '';
    // The value is not shown: it may hold a secret.
    if (name === '' || secret === '')
      throw new TypeError(
        `presence-webhooks: ably.keys[${i}] must be of the form "appId.keyId:keySecret" (got a string of ${key.length} characters without that form)`,
      );
    const dot = name.indexOf('.');
    return { name, keyId: dot >= 0 ? name.slice(dot + 1) : name, hmacKey: createSecretKey(Buffer.from(secret, 'utf8')) };
  });
}

/** The keys to try for a request: the one X-Ably-Key names, or every key when it names none we hold. */
export function keysFor(keyring: readonly AblyKey[], keyHeader: string | undefined): readonly AblyKey[] {
  if (keyHeader === undefined) return keyring;
  let matches = 0;
  for (const k of keyring) if (k.name === keyHeader || k.keyId === keyHeader) matches++;
  if (matches === 0 || matches === keyring.length) return keyring;
  return keyring.filter((k) => k.name === keyHeader || k.keyId === keyHeader);
}
