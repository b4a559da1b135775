import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookError } from '../../errors.js';
import { getHeader } from '../../http/headers.js';
import type { RequestView } from '../provider.js';
import type { PusherKeyring } from './keyring.js';

const RAW_BODY_HINT =
  'If something parsed the body before the receiver, the bytes differ from what Pusher signed: hand the receiver the raw bytes (mount it before any body parser).';

/** 64 lowercase hex digits, as Pusher sends a hex HMAC-SHA256 (pusher-http-node compares the text: uppercase fails there too). */
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Key names for a message: quoted, shortened, never a secret. */
function quoted(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n.length > 40 ? `${n.slice(0, 37)}...` : n)).join(', ');
}

/**
 * Authenticate a Pusher webhook: `X-Pusher-Signature` must be the hex HMAC-SHA256 of the raw body
 * with a secret configured for the key `X-Pusher-Key` names. Every secret of that key is checked,
 * in constant time, so the time taken does not say which one matched. False when the request carries
 * neither header (Pusher marks its requests with them).
 */
export function verifyPusher(input: Pick<RequestView, 'headers' | 'body'>, keyring: PusherKeyring): boolean {
  const key = getHeader(input.headers, 'x-pusher-key');
  const signature = getHeader(input.headers, 'x-pusher-signature');
  if (key === undefined && signature === undefined) return false;
  if (key === undefined) throw new WebhookError(401, 'unauthorized', missingPusherCredential(keyring));
  const secrets = keyring.secrets.get(key);
  if (secrets === undefined) {
    throw new WebhookError(
      401,
      'unauthorized',
      `X-Pusher-Key names a key this receiver does not have; it has ${quoted(keyring.names)}: add the key / secret pair to pusher.keys`,
    );
  }
  if (signature === undefined)
    throw new WebhookError(401, 'unauthorized', 'Missing X-Pusher-Signature: Pusher signs every webhook; is this request from Pusher?');
  const presented = signature.trim();
  const bytes = HEX_SHA256.test(presented) ? Buffer.from(presented, 'hex') : undefined;
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(input.body).digest();
    ok = (bytes !== undefined && timingSafeEqual(expected, bytes)) || ok;
  }
  if (!ok) throw new WebhookError(401, 'unauthorized', `X-Pusher-Signature does not match the body for this key. ${RAW_BODY_HINT}`);
  return true;
}

/** The 401 text for a Pusher-configured receiver given a request without Pusher's headers. */
export function missingPusherCredential(keyring: PusherKeyring): string {
  return `Missing X-Pusher-Key / X-Pusher-Signature: Pusher signs every webhook with an app secret (this receiver has keys ${quoted(keyring.names)})`;
}
