/**
 * Entries in the order of their times (tombstones by when they were written, grace deadlines, users by when
 * they went offline). Clocks only move forward, so the oldest are at the head and taking them is amortised
 * O(1) per entry.
 */
export class TimeQueue<T> {
  private entries: T[] = [];
  private times: number[] = [];
  private head = 0;

  push(entry: T, at: number): void {
    this.entries.push(entry);
    this.times.push(at);
  }

  /**
   * Hand every entry timed at or before `cutoff` (`before`: only those timed before it) to `collect`, oldest
   * first, and drop it. Called on every merge (tombstones): no predicate made per call nor called per entry.
   */
  drain(cutoff: number, collect: (entry: T, at: number) => void, before = false): void {
    let head = this.head;
    for (; head < this.times.length; head++) {
      const at = this.times[head] as number;
      if (!(before ? at < cutoff : at <= cutoff)) break;
      collect(this.entries[head] as T, at);
    }
    if (head === this.head) return; // nothing was due
    this.head = head;
    if (head === this.times.length) this.clear();
    else if (head > 1024 && head * 2 > this.times.length) this.compact();
  }

  /** Hand every entry timed before `limit` to `collect`, oldest first, and drop it. */
  drainBefore(limit: number, collect: (entry: T, at: number) => void): void {
    this.drain(limit, collect, true);
  }

  /** Keep only the entries `keep` says are still wanted (for entries made stale before their time). */
  retain(keep: (entry: T, at: number) => boolean): void {
    const entries: T[] = [];
    const times: number[] = [];
    for (let i = this.head; i < this.times.length; i++) {
      const entry = this.entries[i] as T;
      const at = this.times[i] as number;
      if (keep(entry, at)) {
        entries.push(entry);
        times.push(at);
      }
    }
    this.entries = entries;
    this.times = times;
    this.head = 0;
  }

  get length(): number {
    return this.times.length - this.head;
  }

  clear(): void {
    this.entries = [];
    this.times = [];
    this.head = 0;
  }

  private compact(): void {
    this.entries = this.entries.slice(this.head);
    this.times = this.times.slice(this.head);
    this.head = 0;
  }
}
