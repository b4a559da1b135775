import type { ProviderName } from '../events.js';
import type { RequestHeaders } from '../http/headers.js';

/** How much of a refused body is looked at, at most: a bounded scan, never a parse. */
const SNIFF_BYTES = 1024;

const latin1 = new TextDecoder('latin1');

/**
 * Which provider a request without a valid credential looks like it came from, from its headers and
 * the first bytes of its body (no parsing): so that a 401 can say "configure pubnub" when PubNub's
 * webhooks reach a receiver set up for Ably only. Undefined when nothing tells.
 */
export function looksLike(headers: RequestHeaders, body: Uint8Array, multipart: boolean): ProviderName | undefined {
  if (headers['x-ably-signature'] !== undefined || headers['x-ably-key'] !== undefined) return 'ably';
  if (headers['x-pusher-key'] !== undefined || headers['x-pusher-signature'] !== undefined) return 'pusher';
  if (multipart) return 'pubnub';
  const head = latin1.decode(body.subarray(0, SNIFF_BYTES));
  if (head.includes('"sub_key"') || head.includes('pubnub.com/schemas/')) return 'pubnub';
  if (head.includes('"source":"channel.') || head.includes('"source": "channel.')) return 'ably';
  return undefined;
}

/** What to configure for a provider the receiver does not have. */
export const CONFIGURE: Readonly<Record<ProviderName, string>> = {
  ably: 'configure ably.keys (createReceiver({ ably: { keys: [ABLY_KEY] } }))',
  pubnub: 'configure pubnub.secret (createReceiver({ pubnub: { secret } }))',
  pusher: 'configure pusher.keys (createReceiver({ pusher: { keys: [{ key, secret }] } }))',
};
