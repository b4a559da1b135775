import type { VerifyInput } from '../provider.js';
import { verifySharedSecret } from '../shared-secret.js';
import type { PubNubOptions } from './options.js';

/**
 * PubNub signs nothing: a request is authentic when it presents the shared secret (the configured
 * header, else `?secret=`), compared in constant time. Without a configured secret the receiver
 * runs insecure (createPubNubProvider refuses that unless `insecure: true`).
 */
export function verifyPubNub(input: VerifyInput, options: PubNubOptions): void {
  if (options.secret === undefined) return;
  verifySharedSecret(input, { secret: options.secret, header: options.secretHeader }, 'PubNub');
}
