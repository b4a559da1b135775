import { WebhookError } from '../errors.js';
import { secretsEqual } from '../secrets.js';
import { getHeader } from '../http/headers.js';
import type { RequestView } from './provider.js';

export const DEFAULT_SECRET_HEADER = 'x-webhook-secret';

export interface SharedSecretOptions {
  secret: string;
  /** Header that carries the secret; default `x-webhook-secret`. A `secret` query parameter also works. */
  header?: string;
}

/** The secret a request presents, from the configured header or else the `secret` query parameter. */
export function presentedSecret(input: Pick<RequestView, 'headers' | 'query'>, header: string = DEFAULT_SECRET_HEADER): string | undefined {
  return getHeader(input.headers, header.toLowerCase()) ?? input.query.get('secret') ?? undefined;
}

/** False when the request presents no shared secret, true when it presents the right one; throws 401 for a wrong one. */
export function verifySharedSecret(input: Pick<RequestView, 'headers' | 'query'>, options: SharedSecretOptions, provider: string): boolean {
  const header = options.header ?? DEFAULT_SECRET_HEADER;
  const presented = presentedSecret(input, header);
  if (presented === undefined) return false;
  if (!secretsEqual(presented, options.secret)) {
    throw new WebhookError(
      401,
      'unauthorized',
      `Wrong ${provider} webhook secret (in the ${header} header or the secret query parameter): it does not equal the configured ${provider.toLowerCase()}.secret`,
      // `guess`: the pipeline throttles wrong secrets per client address.
      { provider: provider.toLowerCase(), guess: true },
    );
  }
  return true;
}
