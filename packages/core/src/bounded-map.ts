/**
 * A Map holding at most `limit` keys: adding a new key to a full map forgets the oldest one (the
 * first inserted; writing an existing key does not move it). For per-channel state keyed by names
 * that may never repeat (dynamic channels), which must not grow with every channel ever seen.
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): this {
    if (this.map.size >= this.limit && !this.map.has(key)) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Entries in insertion order, oldest first. */
  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}
