interface Entry<T> {
  at: number;
  running: boolean;
  promise: Promise<T>;
}

/**
 * At most one snapshot request per channel at a time and within `minIntervalMs` of the last one: a
 * call then gets the running or last run's promise instead of starting one. Settled entries are
 * dropped once their window has passed.
 */
export class RateLimiter<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private lastDrop = 0;

  constructor(
    private readonly minIntervalMs: number,
    private readonly now: () => number,
  ) {}

  run(key: string, start: () => Promise<T>): Promise<T> {
    const now = this.now();
    this.dropExpired(now);
    const entry = this.entries.get(key);
    if (entry !== undefined && (entry.running || now - entry.at < this.minIntervalMs)) return entry.promise;
    const next: Entry<T> = { at: now, running: true, promise: start() };
    const settle = () => void (next.running = false);
    next.promise.then(settle, settle);
    this.entries.set(key, next);
    return next.promise;
  }

  /** How long (ms) until `run(key)` would start a request rather than reuse the last one; 0 = now. */
  waitFor(key: string): number {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.running) return 0;
    return Math.max(0, this.minIntervalMs - (this.now() - entry.at));
  }

  /** True while a run of this key is in flight. */
  isRunning(key: string): boolean {
    return this.entries.get(key)?.running === true;
  }

  /** Drop the settled entries whose window has passed (at most once per window). */
  private dropExpired(now: number): void {
    if (now - this.lastDrop < this.minIntervalMs) return;
    this.lastDrop = now;
    for (const [key, entry] of this.entries) if (!entry.running && now - entry.at >= this.minIntervalMs) this.entries.delete(key);
  }
}
