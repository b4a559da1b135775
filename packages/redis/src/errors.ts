/**
 * What RedisStore rejects with while Redis cannot answer: a command that timed out, or the circuit
 * open after consecutive failures (every call fails at once until a probe gets through). The
 * receiver answers such a delivery 503 in `ack: 'after-store'` mode, so the provider retries.
 */
export class RedisUnavailableError extends Error {
  readonly code = 'store_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisUnavailableError';
  }
}
