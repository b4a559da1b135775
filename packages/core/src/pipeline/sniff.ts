import type { RequestHeaders } from '../http/headers.js';
import { PROVIDERS } from '../providers/index.js';
import type { ProviderDefinition } from '../providers/provider.js';

/** How much of a refused body is looked at, at most: a bounded scan, never a parse. */
const SNIFF_BYTES = 1024;

const latin1 = new TextDecoder('latin1');

/**
 * Which provider a request without a valid credential looks like it came from, from its headers and
 * then the first bytes of its body (no parsing), each as the provider declares (`looksLike`): so that a
 * 401 can say "configure pubnub" when PubNub's webhooks reach a receiver set up for Ably only.
 * Undefined when nothing tells.
 */
export function looksLike(headers: RequestHeaders, body: Uint8Array, multipart: boolean): ProviderDefinition | undefined {
  const byHeaders = PROVIDERS.find((provider) => provider.looksLike.headers?.(headers) === true);
  if (byHeaders !== undefined) return byHeaders;
  const head = latin1.decode(body.subarray(0, SNIFF_BYTES));
  return PROVIDERS.find((provider) => provider.looksLike.body?.(head, multipart) === true);
}
