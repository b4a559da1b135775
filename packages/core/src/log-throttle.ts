/** How often one kind of line may reach a default log: a flood of the same failure writes one line per this many ms. */
const LOG_INTERVAL_MS = 60_000;

/** One log line per key (an error code) per LOG_INTERVAL_MS; the lines left out are counted. */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; left: number }>();

  /**
   * Whether a line for `key` may be written now: undefined when not (it is counted as left out), else how many were
   * left out since the key's last line. `always`: it may, whatever the interval, which it does not restart.
   */
  take(key: string, always = false, now = Date.now()): number | undefined {
    const last = this.last.get(key);
    if (!always && last !== undefined && now - last.at < LOG_INTERVAL_MS) {
      last.left++;
      return undefined;
    }
    this.last.set(key, { at: always && last !== undefined ? last.at : now, left: 0 });
    return last?.left ?? 0;
  }
}
