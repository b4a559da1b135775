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

/** Throws 401 unless the request presents the shared secret. */
export function verifySharedSecret(input: Pick<RequestView, 'headers' | 'query'>, options: SharedSecretOptions, provider: string): void {
  const header = options.header ?? DEFAULT_SECRET_HEADER;
  const presented = presentedSecret(input, header);
  if (presented === undefined) {
    throw new WebhookError(
      401,
      'unauthorized',
      `Missing ${provider} webhook secret: send it in the ${header} header or a secret query parameter`,
      { provider: provider.toLowerCase() },
    );
  }
  if (!secretsEqual(presented, options.secret)) {
    throw new WebhookError(
      401,
      'unauthorized',
      `Wrong ${provider} webhook secret (in the ${header} header or the secret query parameter): it does not equal the configured ${provider.toLowerCase()}.secret`,
      // `guess`: the pipeline throttles wrong secrets per client address.
      { provider: provider.toLowerCase(), guess: true },
    );
  }
}
