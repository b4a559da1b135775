export interface AblyKey {
  /** `appId.keyId`, as X-Ably-Key names it. */
  name: string;
  /** The part after the dot. */
  keyId: string;
  secret: Buffer;
}

/** Parse `appId.keyId:keySecret` strings; throws a TypeError naming the bad entry (never its secret). */
export function parseKeyring(keys: readonly string[]): AblyKey[] {
  return keys.map((key, i) => {
    if (typeof key !== 'string') throw new TypeError(`ably.keys[${i}] must be a string "appId.keyId:keySecret"`);
    const colon = key.indexOf(':');
    const name = colon > 0 ? key.slice(0, colon) : '';
    const secret = colon > 0 ? key.slice(colon + 1) : '';
    if (name === '' || secret === '') throw new TypeError(`ably.keys[${i}] is not of the form "appId.keyId:keySecret"`);
    const dot = name.indexOf('.');
    return { name, keyId: dot >= 0 ? name.slice(dot + 1) : name, secret: Buffer.from(secret, 'utf8') };
  });
}

/** The keys to try for a request: the one X-Ably-Key names, or every key when it names none we hold. */
export function keysFor(keyring: readonly AblyKey[], keyHeader: string | undefined): readonly AblyKey[] {
  if (keyHeader === undefined) return keyring;
  const named = keyring.filter((k) => k.name === keyHeader || k.keyId === keyHeader);
  return named.length > 0 ? named : keyring;
}
