import type { KeyObject } from 'node:crypto';
import { createSecretKey } from 'node:crypto';
import type { PusherKey } from './options.js';

/** A configured app key with its secrets as KeyObjects (one HMAC key import per secret, not per request). */
export interface PusherKeyring {
  /** key -> the secrets configured for it, in configuration order. */
  readonly secrets: ReadonlyMap<string, readonly KeyObject[]>;
  /** The configured key names (for a 401 that says which keys the receiver has; never a secret). */
  readonly names: readonly string[];
}

/** Group the (already checked) key / secret pairs by key. */
export function pusherKeyring(keys: readonly PusherKey[]): PusherKeyring {
  const secrets = new Map<string, KeyObject[]>();
  for (const { key, secret } of keys) {
    let list = secrets.get(key);
    if (list === undefined) secrets.set(key, (list = []));
    list.push(createSecretKey(Buffer.from(secret, 'utf8')));
  }
  return { secrets, names: [...secrets.keys()] };
}
