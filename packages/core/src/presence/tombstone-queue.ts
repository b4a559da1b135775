/**
 * A tombstone to collect: the record, and where it is held (its channel, which of the channel's
 * maps, and its key). The map is looked up at collection time, so a store may rebuild its maps.
 */
export interface Tombstone<R> {
  channel: string;
  overflow: boolean;
  key: string;
  record: R;
}

/**
 * Tombstones in the order they were written. Store clocks only move forward, so the oldest
 * are at the head and collection is amortised O(1) per tombstone.
 */
export class TombstoneQueue<R> {
  private entries: Tombstone<R>[] = [];
  private times: number[] = [];
  private head = 0;

  push(entry: Tombstone<R>, storedAt: number): void {
    this.entries.push(entry);
    this.times.push(storedAt);
  }

  /** Hand every entry stored at or before `cutoff` to `collect`, oldest first, and drop it. */
  drain(cutoff: number, collect: (entry: Tombstone<R>) => void): void {
    let head = this.head;
    const times = this.times;
    while (head < times.length && (times[head] as number) <= cutoff) {
      collect(this.entries[head] as Tombstone<R>);
      head++;
    }
    this.head = head;
    if (head === times.length) this.clear();
    else if (head > 1024 && head * 2 > times.length) this.compact();
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
