/**
 * Tombstones in the order they were written. Store clocks only move forward, so the oldest
 * are at the head and collection is amortised O(1) per tombstone.
 */
export class TombstoneQueue {
  private channels: string[] = [];
  private keys: string[] = [];
  private times: number[] = [];
  private head = 0;

  push(channel: string, key: string, storedAt: number): void {
    this.channels.push(channel);
    this.keys.push(key);
    this.times.push(storedAt);
  }

  /** Hand every entry stored at or before `cutoff` to `collect`, oldest first, and drop it. */
  drain(cutoff: number, collect: (channel: string, key: string, storedAt: number) => void): void {
    let head = this.head;
    const times = this.times;
    while (head < times.length && (times[head] as number) <= cutoff) {
      collect(this.channels[head] as string, this.keys[head] as string, times[head] as number);
      head++;
    }
    this.head = head;
    if (head > 1024 && head * 2 > times.length) this.compact();
  }

  clear(): void {
    this.channels = [];
    this.keys = [];
    this.times = [];
    this.head = 0;
  }

  private compact(): void {
    this.channels = this.channels.slice(this.head);
    this.keys = this.keys.slice(this.head);
    this.times = this.times.slice(this.head);
    this.head = 0;
  }
}
