/**
 * A Map holding at most `limit` keys: adding a new key to a full map forgets the oldest one (the
 * first inserted; writing an existing key does not move it). For per-channel state keyed by names
 * that may never repeat (dynamic channels), which must not grow with every channel ever seen.
 * A Map itself (only `set` is its own): reads (`get`, `size`, hot on every delivery) are the Map's.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.limit && !this.has(key)) {
      const oldest = this.keys().next();
      if (oldest.done !== true) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}
