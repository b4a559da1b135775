import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Simulated provider time: epoch milliseconds that run `timeScale` times faster than real time,
 * starting at `start`. Batch intervals, retry delays and event times are in simulated time.
 */
export class SimClock {
  private readonly t0 = performance.now();

  constructor(
    readonly start: number,
    readonly timeScale: number,
    private readonly signal: AbortSignal,
  ) {}

  /** Real milliseconds since the start. */
  elapsedMs(): number {
    return performance.now() - this.t0;
  }

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.start + this.elapsedMs() * this.timeScale;
  }

  /** Resolves when the simulated clock reaches `at`, or at once when the run is stopped. */
  async until(at: number): Promise<void> {
    const wait = (at - this.now()) / this.timeScale;
    if (wait <= 0 || this.signal.aborted) return;
    await sleep(Math.ceil(wait), undefined, { signal: this.signal }).catch(() => undefined);
  }
}
