// Ably's keyring (`ably.keys`) and the check of a request's credential against it: its signature, or the shared secret.
import type { KeyObject } from 'node:crypto';
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { optionError } from '../../option-checks.js';
import { WebhookError } from '../../errors.js';
import { getHeader } from '../../http/headers.js';
import type { RequestView } from '../provider.js';
import { verifySharedSecret } from '../shared-secret.js';
import type { AblyOptions } from './options.js';

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

const RAW_BODY_HINT =
  'If something parsed the body before the receiver, the bytes differ from what Ably signed: hand the receiver the raw bytes (mount it before any body parser).';

/**
 * Authenticate an Ably request: a signed request (with a keyring configured) must match a key of the
 * ring; an unsigned one must present the shared secret (when one is configured). False when it carries
 * neither credential.
 */
export function verifyAbly(input: RequestView, keyring: readonly AblyKey[], options: AblyOptions): boolean {
  const signature = keyring.length > 0 ? getHeader(input.headers, 'x-ably-signature') : undefined;
  if (signature !== undefined) {
    const bytes = Buffer.from(signature.trim(), 'base64');
    const keyName = getHeader(input.headers, 'x-ably-key');
    // The keys to try: those X-Ably-Key names, or every key when it names none we hold.
    let named = false;
    for (const key of keyring) named ||= key.name === keyName || key.keyId === keyName;
    // The signature is base64(HMAC-SHA256(body, key secret)), compared in constant time; every key tried
    // is checked so the time taken does not depend on which key matched.
    let ok = false;
    for (const key of keyring) {
      if (named && key.name !== keyName && key.keyId !== keyName) continue;
      const expected = createHmac('sha256', key.hmacKey).update(input.body).digest();
      ok = (expected.length === bytes.length && timingSafeEqual(expected, bytes)) || ok;
    }
    if (!ok) throw signatureRefusal(keyring, keyName);
    return true;
  }
  return options.secret !== undefined && verifySharedSecret(input, { secret: options.secret, header: options.secretHeader }, 'Ably');
}

/** The precise 401 for a signature that matches no key: an unknown key name, or bytes that differ from what was signed. */
function signatureRefusal(keyring: readonly AblyKey[], keyName: string | undefined): WebhookError {
  const details = keyName === undefined ? { provider: 'ably' } : { provider: 'ably', keyName };
  const known = keyName !== undefined && keyring.some((k) => k.name === keyName || k.keyId === keyName);
  if (keyName !== undefined && !known) {
    const names = keyring.map((k) => k.name).join(', ');
    return new WebhookError(
      401,
      'unauthorized',
      `X-Ably-Key names the key "${keyName}", which this receiver does not have (it has ${names}): add that key to ably.keys, or sign the rule with one of these`,
      details,
    );
  }
  const which = keyName === undefined ? 'any configured key' : `the key "${keyName}"`;
  return new WebhookError(401, 'unauthorized', `X-Ably-Signature does not match the body for ${which}. ${RAW_BODY_HINT}`, details);
}

/** The 401 text for an Ably-configured receiver given a request without any credential. */
export function missingAblyCredential(signed: boolean, options: AblyOptions): string {
  if (signed) return 'Missing X-Ably-Signature: enable "sign with key" on the Ably webhook rule';
  return `Missing Ably webhook secret: send it in the ${options.secretHeader ?? 'x-webhook-secret'} header or a secret query parameter`;
}
