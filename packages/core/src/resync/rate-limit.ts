/** What a run was asked to do: 'repair' applies the snapshot; 'detect' only compares. A repair detects too. */
export type RunMode = 'repair' | 'detect';

interface Entry<T> {
  at: number;
  mode: RunMode;
  running: boolean;
  promise: Promise<T>;
}

/**
 * At most one snapshot request per channel at a time and within `minIntervalMs` of the last one: a
 * call then gets the running or last run's promise instead of starting one (a detect-only run does
 * not stand in for a repair: one asked for while it runs follows it). Settled entries are dropped
 * once their window has passed.
 */
export class RateLimiter<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private lastSweep = 0;

  constructor(
    private readonly minIntervalMs: number,
    private readonly now: () => number,
  ) {}

  run(key: string, mode: RunMode, start: () => Promise<T>): Promise<T> {
    const now = this.now();
    this.sweep(now);
    const entry = this.entries.get(key);
    if (entry !== undefined && (entry.running || now - entry.at < this.minIntervalMs) && (mode === 'detect' || entry.mode === 'repair'))
      return entry.promise;
    // A repair asked for while a detect-only run is in flight starts once that one is done, not beside it.
    const running = entry?.running === true ? entry.promise : undefined;
    const next: Entry<T> = { at: now, mode, running: true, promise: running === undefined ? start() : running.then(start, start) };
    const settle = () => void (next.running = false);
    next.promise.then(settle, settle);
    this.entries.set(key, next);
    return next.promise;
  }

  /** How long (ms) until `run(key, mode)` would start a request rather than reuse the last one; 0 = now. */
  waitFor(key: string, mode: RunMode): number {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.running || (mode === 'repair' && entry.mode !== 'repair')) return 0;
    return Math.max(0, this.minIntervalMs - (this.now() - entry.at));
  }

  /** True while a run of this key is in flight. */
  isRunning(key: string): boolean {
    return this.entries.get(key)?.running === true;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.minIntervalMs) return;
    this.lastSweep = now;
    for (const [key, entry] of this.entries) if (!entry.running && now - entry.at >= this.minIntervalMs) this.entries.delete(key);
  }
}
