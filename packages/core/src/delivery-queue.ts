import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError, toError } from './errors.js';

export interface DeliveryQueueOptions {
  /** Tries per job (1 = no retry), unless `push` names its own. */
  attempts: number;
  /** Delay before the first retry; doubles each time. */
  baseDelayMs: number;
  report: (error: Error) => void;
}

/**
 * Runs accepted deliveries one after another, so events are emitted in acceptance order,
 * retrying a failed job with bounded exponential backoff. `idle()` resolves once it is empty.
 */
export class DeliveryQueue {
  private tail: Promise<void> = Promise.resolve();
  /** Jobs queued or running: a field, not a getter, read on every request (only the queue writes it). */
  depth = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly options: DeliveryQueueOptions) {}

  /**
   * Queue a job; the promise settles with its last attempt. A job pushed while the queue is empty
   * starts at once (synchronously, up to its first await): no microtask hop, and a caller that
   * pushes one job per microtask never leaves a growing backlog behind.
   */
  push(job: () => Promise<void>, attempts = this.options.attempts): Promise<void> {
    const run = this.depth++ === 0 ? this.attempt(job, attempts) : this.tail.then(() => this.attempt(job, attempts));
    this.tail = run.then(
      () => this.settle(),
      () => this.settle(),
    );
    return run;
  }

  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async attempt(job: () => Promise<void>, attempts: number): Promise<void> {
    const { baseDelayMs, report } = this.options;
    for (let i = 1; ; i++) {
      try {
        await job();
        return;
      } catch (error) {
        const cause = toError(error);
        const last = i >= attempts;
        const message = `Applying a delivery failed (attempt ${i} of ${attempts}${last ? ', giving up' : ', retrying'}): ${cause.message}`;
        report(new StoreError(message, { attempt: i, attempts, cause: cause.message }, cause));
        if (last) throw cause;
        await sleep(baseDelayMs * 2 ** (i - 1));
      }
    }
  }

  private settle(): void {
    this.depth--;
    if (this.depth === 0) for (const resolve of this.waiters.splice(0)) resolve();
  }
}
