/**
 * Failed attempts (wrong tokens, wrong secrets) counted per client address, never globally: an
 * address with `limit` failures within `windowMs` is refused until its window ends, and nobody else
 * is. The map is bounded (`maxAddresses`, the oldest address forgotten first), so a flood of
 * addresses cannot grow it. Requests whose address the adapter does not know (a web handler given
 * no runtime context nor `clientAddress`: a Request carries none) are not counted: one shared count
 * would let anyone lock everyone out, PubNub's own deliveries included.
 */

import { BoundedMap } from '../bounded-map.js';

export interface ThrottleOptions {
  /** Failures allowed per address within `windowMs`. */
  limit: number;
  windowMs: number;
  /** Addresses remembered at most. Default 10,000. */
  maxAddresses?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  /** When the window of the first counted failure ends. */
  until: number;
}

export class AddressThrottle {
  private readonly entries: BoundedMap<string, Entry>;
  private readonly now: () => number;

  constructor(private readonly options: ThrottleOptions) {
    this.entries = new BoundedMap(options.maxAddresses ?? 10_000);
    this.now = options.now ?? Date.now;
  }

  /** Seconds until `address` may try again (for Retry-After), or 0 when it may try now. */
  retryAfter(address: string | undefined): number {
    if (this.entries.size === 0 || address === undefined) return 0;
    const entry = this.live(address);
    if (entry === undefined || entry.failures < this.options.limit) return 0;
    return Math.max(1, Math.ceil((entry.until - this.now()) / 1000));
  }

  /** Whether `address` failed at least once within its window. */
  hasFailed(address: string | undefined): boolean {
    return this.entries.size > 0 && address !== undefined && this.live(address) !== undefined;
  }

  /** Count a failure of `address`. */
  failed(address: string | undefined): void {
    if (address === undefined) return;
    const entry = this.live(address);
    if (entry !== undefined) {
      entry.failures++;
      return;
    }
    this.entries.set(address, { failures: 1, until: this.now() + this.options.windowMs });
  }

  /** Forget `address`'s failures (it got in). */
  succeeded(address: string | undefined): void {
    if (this.entries.size > 0 && address !== undefined) this.entries.delete(address);
  }

  /** Addresses remembered now. */
  get size(): number {
    return this.entries.size;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > this.now()) return entry;
    this.entries.delete(key);
    return undefined;
  }
}
