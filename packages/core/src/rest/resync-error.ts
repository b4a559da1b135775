import type { ProviderName } from '../events.js';

/** A snapshot request that failed: which provider, which channel, and the HTTP status when there was an answer. */
export class ResyncError extends Error {
  readonly code = 'resync_failed';
  readonly provider: ProviderName;
  readonly channel: string;
  /** The HTTP status of the provider's answer; absent when there was none (network error, timeout). */
  readonly status?: number;
  /** The answer's `Retry-After` header, as sent (a 429 or 503 may carry one). */
  readonly retryAfter?: string;

  constructor(
    provider: ProviderName,
    channel: string,
    message: string,
    options: { status?: number; retryAfter?: string; cause?: unknown } = {},
  ) {
    super(
      `${provider} resync of channel "${channel}" failed: ${message}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'ResyncError';
    this.provider = provider;
    this.channel = channel;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}
