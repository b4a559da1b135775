import { randomBytes } from 'node:crypto';
import type { Change } from '../events.js';
import { decimal } from '../order-key.js';
import { ReceiverError } from '../errors.js';
import type { ChangeFeed } from '../store.js';

/** Default retention of MemoryStore's feed. */
export const DEFAULT_FEED_RETAIN_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_CHANGES = 10_000;
/** The most `maxChanges` can be (its slots are allocated up front: 16 bytes each besides the changes). */
export const MAX_MAX_CHANGES = 10_000_000;

/**
 * MemoryStore's change feed: an in-process bounded log (at most `maxChanges`, none older than
 * `retainMs`). Cursors are `<store id>:<sequence>`: a cursor of another store (or of this one before a
 * restart) cannot be placed and is expired. Each entry carries its acknowledgement, so `claim` finds the
 * unacknowledged ones in the log itself (two receivers sharing one MemoryStore emit each change once).
 *
 * The feed keeps changes only from the moment one could be asked for: a reader took a cursor (`head`,
 * `read`), or a change was committed unacknowledged (its cursor may be claimed or read after). Until then
 * changes committed acknowledged (`apply`'s `emitted`: a receiver emitting them at once) are not kept and get
 * no cursor — no reader can miss them, and a receiver on the default store does not hold 10000 changes it
 * will never be asked for (measured: keeping them cost a fifth of the core pipeline's CPU, in the GC).
 */
export class MemoryFeed implements ChangeFeed {
  private readonly id = randomBytes(6).toString('hex');
  // A ring of `maxChanges` slots in parallel arrays (no object per change besides the change itself):
  // sequence number n lives in slot n % maxChanges; `first` is the oldest retained, `seq` the newest.
  private changes: (Change | undefined)[] = [];
  private readonly at: Float64Array;
  /** Claimed by a caller until then (store clock; -1: acknowledged, emitted, never claimed). */
  private readonly claimedUntil: Float64Array;
  private first = 1;
  private seq = 0;
  /** Every retained change below this sequence number is acknowledged (claim starts there). */
  private ackedBelow = 1;
  private waiters = new Set<() => void>();
  /**
   * A cursor may be asked for (see the class note): from now on every change is kept; until then only the
   * unacknowledged ones. A field the store reads before each commit (only the feed writes it).
   */
  keeping = false;

  constructor(
    private readonly retainMs: number,
    private readonly maxChanges: number,
    private readonly now: () => number,
  ) {
    this.at = new Float64Array(maxChanges);
    this.claimedUntil = new Float64Array(maxChanges);
  }

  /** Append a committed change (acknowledged: already emitted, never claimed): gives it its cursor. */
  append(change: Change, at: number, acknowledged = false): void {
    if (!acknowledged) this.keeping = true;
    const seq = ++this.seq;
    const slot = seq % this.maxChanges;
    this.changes[slot] = change;
    this.at[slot] = at;
    this.claimedUntil[slot] = acknowledged ? -1 : 0;
    change.cursor = `${this.id}:${seq}`;
    if (seq - this.first >= this.maxChanges) this.first = seq - this.maxChanges + 1;
  }

  /** After a commit: drop what is past the retention and wake the readers. */
  committed(now: number): void {
    const cutoff = now - this.retainMs;
    while (this.first <= this.seq && (this.at[this.first % this.maxChanges] as number) < cutoff) {
      this.changes[this.first % this.maxChanges] = undefined;
      this.first++;
    }
    if (this.ackedBelow < this.first) this.ackedBelow = this.first;
    if (this.waiters.size > 0) {
      const waiters = this.waiters;
      this.waiters = new Set();
      for (const wake of waiters) wake();
    }
  }

  head(): Promise<string> {
    this.keeping = true;
    return Promise.resolve(`${this.id}:${this.seq}`);
  }

  async read(after: string, options: { limit: number; waitMs: number; signal?: AbortSignal }): Promise<Change[]> {
    this.keeping = true;
    const from = this.place(after);
    if (from === this.seq && options.waitMs > 0 && options.signal?.aborted !== true) await this.wait(options.waitMs, options.signal);
    const start = this.place(after); // the feed may have moved on while waiting
    const out: Change[] = [];
    for (let n = Math.max(start + 1, this.first); n <= this.seq && out.length < options.limit; n++) {
      out.push(this.changes[n % this.maxChanges] as Change);
    }
    return out;
  }

  claim(olderThanMs: number, limit: number): Promise<Change[]> {
    const now = this.now();
    const out: Change[] = [];
    while (this.ackedBelow <= this.seq && this.claimedUntil[this.ackedBelow % this.maxChanges] === -1) this.ackedBelow++;
    for (let n = this.ackedBelow; n <= this.seq && out.length < limit; n++) {
      const slot = n % this.maxChanges;
      if ((this.at[slot] as number) > now - olderThanMs) break;
      const until = this.claimedUntil[slot] as number;
      if (until === -1 || until > now) continue;
      this.claimedUntil[slot] = now + olderThanMs;
      out.push(this.changes[slot] as Change);
    }
    return Promise.resolve(out);
  }

  ack(cursors: readonly string[]): Promise<void> {
    const prefix = this.id.length + 1;
    for (const cursor of cursors) {
      if (!cursor.startsWith(this.id) || cursor.charCodeAt(this.id.length) !== 58) continue;
      const n = decimal(cursor, prefix, cursor.length); // read in place: acknowledging is on every delivery's path
      if (n >= this.first && n <= this.seq) this.claimedUntil[n % this.maxChanges] = -1;
    }
    return Promise.resolve();
  }

  /** Retained changes (for tests and memory measurements). */
  get length(): number {
    return this.seq - this.first + 1;
  }

  clear(): void {
    this.changes = [];
    this.first = this.seq + 1;
    this.ackedBelow = this.first;
    this.committed(this.now());
  }

  /** The sequence number a cursor names; throws when it cannot be placed in what is retained. */
  private place(cursor: string): number {
    const colon = cursor.lastIndexOf(':');
    const seq = Number(cursor.slice(colon + 1));
    if (cursor.slice(0, colon) !== this.id || !Number.isSafeInteger(seq) || seq < 0 || seq > this.seq) {
      throw new ReceiverError(
        'feed_cursor_expired',
        `the feed cursor "${cursor.slice(0, 64)}" is not from this MemoryStore (a restart starts a new feed): reconcile, then read from now`,
      );
    }
    if (seq < this.first - 1) {
      throw new ReceiverError(
        'feed_cursor_expired',
        `the feed cursor "${cursor}" is older than what the MemoryStore keeps (maxChanges ${this.maxChanges}, retainMs ${this.retainMs}): reconcile, then read from now`,
      );
    }
    return seq;
  }

  private wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
