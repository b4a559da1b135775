import { DEFAULT_SECRET_HEADER, verifySharedSecret } from '../shared-secret.js';
import type { RequestView } from '../provider.js';
import type { PubNubOptions } from './options.js';

/**
 * PubNub signs nothing: a request is authentic when it presents the shared secret (the configured
 * header, else `?secret=`), compared in constant time. False without a secret configured or presented.
 */
export function verifyPubNub(input: Pick<RequestView, 'headers' | 'query'>, options: PubNubOptions): boolean {
  return options.secret !== undefined && verifySharedSecret(input, { secret: options.secret, header: options.secretHeader }, 'PubNub');
}

/** The 401 text for a PubNub-configured receiver given a request without its secret. */
export function missingPubNubSecret(options: PubNubOptions): string {
  return `Missing PubNub webhook secret: send it in the ${options.secretHeader ?? DEFAULT_SECRET_HEADER} header or a secret query parameter`;
}
