/**
 * The timers of drift detection: one debounced check per channel, `graceMs` after the channel's last
 * reported figure (so deliveries still in flight land first). Every timer is unref'd (it never keeps
 * the process alive) and `close()` clears them all.
 */
export class CheckScheduler {
  private readonly due = new Map<string, { at: number; timer: NodeJS.Timeout }>();
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

  close(): void {
    this.closed = true;
    for (const { timer } of this.due.values()) clearTimeout(timer);
    this.due.clear();
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
