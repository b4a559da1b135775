/**
 * The timers of drift detection: one debounced check per channel, `graceMs` after the channel's last
 * reported figure (so deliveries still in flight land first), and an optional periodic sweep. Every
 * timer is unref'd (it never keeps the process alive) and `close()` clears them all.
 */
export class CheckScheduler {
  private readonly due = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private periodic: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly graceMs: number,
    private readonly check: (channel: string) => void,
  ) {}

  /** Check `channel` once `delayMs` (default `graceMs`) have passed without another call for it. */
  defer(channel: string, delayMs: number = this.graceMs): void {
    if (this.closed) return;
    const at = Date.now() + delayMs;
    const entry = this.due.get(channel);
    if (entry !== undefined) {
      entry.at = Math.max(entry.at, at); // the timer re-arms itself for the rest when it fires early
      return;
    }
    this.due.set(channel, { at, timer: this.arm(channel, delayMs) });
  }

  /** Run `sweep` every `everyMs` (a sweep still running makes the next tick a no-op). */
  every(everyMs: number, sweep: () => Promise<void>): void {
    if (this.closed || everyMs <= 0) return;
    let running = false;
    this.periodic = setInterval(() => {
      if (running) return;
      running = true;
      sweep().finally(() => void (running = false));
    }, everyMs).unref();
  }

  close(): void {
    this.closed = true;
    for (const { timer } of this.due.values()) clearTimeout(timer);
    this.due.clear();
    if (this.periodic !== undefined) clearInterval(this.periodic);
    this.periodic = undefined;
  }

  private arm(channel: string, delay: number): NodeJS.Timeout {
    return setTimeout(() => {
      const entry = this.due.get(channel);
      if (entry === undefined) return;
      const left = entry.at - Date.now();
      if (left > 0) {
        entry.timer = this.arm(channel, left);
        return;
      }
      this.due.delete(channel);
      this.check(channel);
    }, delay).unref();
  }
}
