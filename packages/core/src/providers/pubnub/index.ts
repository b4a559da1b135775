import type { Provider } from '../provider.js';
import { DEFAULT_SECRET_HEADER } from '../shared-secret.js';
import { pubnubClaimsBody, pubnubClaimsHeaders } from './detect.js';
import { parseMultipart } from './multipart.js';
import { normalisePubNub } from './normalise.js';
import type { PubNubOptions } from './options.js';
import { verifyPubNub } from './verify.js';

export type { MultipartLimits, PubNubOptions } from './options.js';

export interface PubNubProviderContext {
  /**
   * True when no other configured provider uses the same secret header, so that the header alone
   * identifies a PubNub request (and its secret is checked before the body is parsed).
   */
  ownsSecretHeader: boolean;
}

function positiveInteger(value: number | undefined, name: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) throw new TypeError(`pubnub.multipart.${name} must be a positive integer`);
}

/** The PubNub provider: detect by secret header or shape, verify the shared secret, normalise. */
export function createPubNubProvider(options: PubNubOptions, context: PubNubProviderContext = { ownsSecretHeader: true }): Provider {
  if (options.secret !== undefined && (typeof options.secret !== 'string' || options.secret === '')) {
    throw new TypeError('pubnub.secret must be a non-empty string');
  }
  if (options.secret === undefined && options.insecure !== true) {
    throw new TypeError('pubnub: PubNub signs nothing, so give a shared secret ({ pubnub: { secret } }, sent by PubNub in a custom header or a ?secret= query parameter), or set insecure: true to accept unauthenticated requests');
  }
  positiveInteger(options.multipart?.parts, 'parts');
  positiveInteger(options.multipart?.fieldSize, 'fieldSize');
  const secretHeader = (options.secretHeader ?? DEFAULT_SECRET_HEADER).toLowerCase();
  const limits = { ...options.multipart };
  return {
    name: 'pubnub',
    claimsHeaders: (headers) => options.secret !== undefined && pubnubClaimsHeaders(headers, secretHeader, context.ownsSecretHeader),
    claimsBody: pubnubClaimsBody,
    verify: (input) => verifyPubNub(input, options),
    normalise: (body) => normalisePubNub(body),
    multipart: (body, boundary) => parseMultipart(body, boundary, limits),
  };
}
