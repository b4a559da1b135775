import { RedisUnavailableError } from './errors.js';

/** Whether a failed call says that Redis is unavailable (rather than that it answered with an error). */
export type FailureTest = (error: unknown) => boolean;

/**
 * A circuit breaker. Closed: calls go through; `failures` consecutive unavailability failures open
 * it. Open: calls fail at once with RedisUnavailableError. After `cooldownMs` it half-opens: one
 * call goes through as a probe (the others still fail at once); its success closes the circuit,
 * its failure opens it for another cooldown.
 */
export class Circuit {
  private consecutive = 0;
  private openedAt: number | undefined;
  private probing = false;

  constructor(
    private readonly failures: number,
    private readonly cooldownMs: number,
    private readonly isFailure: FailureTest,
    private readonly now: () => number = Date.now,
  ) {}

  /** 'closed', 'open' or 'half-open' (a probe may go through now, or is in flight). */
  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === undefined) return 'closed';
    return this.probing || this.now() - this.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    let probe = false;
    if (this.openedAt !== undefined) {
      const wait = this.openedAt + this.cooldownMs - this.now();
      if (wait > 0 || this.probing) {
        const next = this.probing ? 'a probe is in flight' : `the next probe in ${Math.ceil(wait)} ms`;
        throw new RedisUnavailableError(
          `RedisStore: Redis is unavailable (circuit open after ${this.consecutive} consecutive failures; ${next}): failing fast, retry later`,
        );
      }
      probe = this.probing = true;
    }
    try {
      const result = await call();
      this.consecutive = 0;
      this.openedAt = undefined;
      return result;
    } catch (error) {
      if (this.isFailure(error)) {
        this.consecutive++;
        if (probe || this.consecutive >= this.failures) this.openedAt = this.now();
      } else {
        // Redis answered (with an error of its own): it is there.
        this.consecutive = 0;
        this.openedAt = undefined;
      }
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }
}
