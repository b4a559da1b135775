import { createHmac } from 'node:crypto';

/** The X-Ably-Signature Ably sends: base64(HMAC-SHA256(body, the key's secret)). `key` is `appId.keyId:secret`. */
export function signAbly(body: Uint8Array | string, key: string): string {
  const colon = key.indexOf(':');
  if (colon < 0) throw new TypeError('signAbly: key must be "appId.keyId:keySecret"');
  return createHmac('sha256', key.slice(colon + 1))
    .update(body)
    .digest('base64');
}

/** The key name (`appId.keyId`) Ably sends in X-Ably-Key. */
export function ablyKeyName(key: string): string {
  const colon = key.indexOf(':');
  return colon < 0 ? key : key.slice(0, colon);
}
