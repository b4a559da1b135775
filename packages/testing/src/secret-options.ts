/** How a built request carries a shared secret (PubNub webhooks; Ably single-request rules with a custom header). */
export interface SecretOptions {
  /** Omit to send no secret. */
  secret?: string;
  /** Header name; default `x-webhook-secret`. */
  secretHeader?: string;
  /** In the header (default) or in the `?secret=` query parameter. */
  secretIn?: 'header' | 'query';
}

/** Headers with the secret added (when it travels in a header), and the query to append to the URL (`''` or `?secret=…`). */
export function withSecret(headers: Record<string, string>, options: SecretOptions): { headers: Record<string, string>; query: string } {
  if (options.secret === undefined) return { headers, query: '' };
  if (options.secretIn === 'query') return { headers, query: `?secret=${encodeURIComponent(options.secret)}` };
  return { headers: { ...headers, [(options.secretHeader ?? 'x-webhook-secret').toLowerCase()]: options.secret }, query: '' };
}
