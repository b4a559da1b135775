import { randomBytes } from 'node:crypto';
import type { Change } from '../events.js';
import { ReceiverError } from '../errors.js';
import type { ChangeFeed } from '../store.js';

interface Entry {
  seq: number;
  at: number;
  change: Change;
  /** Emitted (acknowledged): never claimed. */
  acked: boolean;
  /** Claimed by a caller until then (store clock): not claimed again before. */
  claimedUntil: number;
}

/** Default retention of MemoryStore's feed. */
export const DEFAULT_FEED_RETAIN_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_CHANGES = 10_000;

/**
 * MemoryStore's change feed: an in-process bounded log (at most `maxChanges`, none older than
 * `retainMs`). Cursors are `<store id>:<sequence>`: a cursor of another store (or of this one before a
 * restart) cannot be placed and is expired. Each entry carries its acknowledgement, so `claim` finds the
 * unacknowledged ones in the log itself (two receivers sharing one MemoryStore emit each change once).
 */
export class MemoryFeed implements ChangeFeed {
  private readonly id = randomBytes(6).toString('hex');
  private log: Entry[] = [];
  private head0 = 0;
  private seq = 0;
  /** The log index before which every retained change is acknowledged (claim starts there). */
  private ackedBelow = 0;
  private waiters = new Set<() => void>();

  constructor(
    private readonly retainMs: number,
    private readonly maxChanges: number,
    private readonly now: () => number,
  ) {}

  /** Append a committed change: gives it its cursor. */
  append(change: Change, at: number): void {
    const entry: Entry = { seq: ++this.seq, at, change, acked: false, claimedUntil: 0 };
    change.cursor = `${this.id}:${entry.seq}`;
    this.log.push(entry);
  }

  /** After a commit: drop what is past the retention and wake the readers. */
  committed(now: number): void {
    const cutoff = now - this.retainMs;
    let head = this.head0;
    while (this.log.length - head > this.maxChanges || (head < this.log.length && (this.log[head] as Entry).at < cutoff)) head++;
    if (head > 1024 && head * 2 > this.log.length) {
      this.log = this.log.slice(head);
      this.ackedBelow = Math.max(0, this.ackedBelow - head);
      head = 0;
    }
    this.head0 = head;
    if (this.ackedBelow < head) this.ackedBelow = head;
    if (this.waiters.size > 0) {
      const waiters = this.waiters;
      this.waiters = new Set();
      for (const wake of waiters) wake();
    }
  }

  head(): Promise<string> {
    return Promise.resolve(`${this.id}:${this.seq}`);
  }

  async read(after: string, options: { limit: number; waitMs: number; signal?: AbortSignal }): Promise<Change[]> {
    const from = this.place(after);
    if (from === this.seq && options.waitMs > 0 && options.signal?.aborted !== true) await this.wait(options.waitMs, options.signal);
    const start = this.place(after); // the log may have moved on while waiting
    const first = this.firstSeq();
    const out: Change[] = [];
    for (let i = this.head0 + (start + 1 - first); i < this.log.length && out.length < options.limit; i++) {
      out.push((this.log[i] as Entry).change);
    }
    return out;
  }

  claim(olderThanMs: number, limit: number): Promise<Change[]> {
    const now = this.now();
    const out: Change[] = [];
    const log = this.log;
    while (this.ackedBelow < log.length && (log[this.ackedBelow] as Entry).acked) this.ackedBelow++;
    for (let i = this.ackedBelow; i < log.length && out.length < limit; i++) {
      const entry = log[i] as Entry;
      if (entry.at > now - olderThanMs) break;
      if (entry.acked || entry.claimedUntil > now) continue;
      entry.claimedUntil = now + olderThanMs;
      out.push(entry.change);
    }
    return Promise.resolve(out);
  }

  ack(cursors: readonly string[]): Promise<void> {
    const prefix = this.id.length + 1;
    const first = this.firstSeq();
    for (const cursor of cursors) {
      if (!cursor.startsWith(this.id) || cursor.charCodeAt(this.id.length) !== 58) continue;
      const entry = this.log[this.head0 + Number(cursor.slice(prefix)) - first];
      if (entry !== undefined && entry.change.cursor === cursor) entry.acked = true;
    }
    return Promise.resolve();
  }

  /** Retained changes (for tests and memory measurements). */
  get length(): number {
    return this.log.length - this.head0;
  }

  clear(): void {
    this.log = [];
    this.head0 = 0;
    this.ackedBelow = 0;
    this.committed(this.now());
  }

  private firstSeq(): number {
    return this.head0 < this.log.length ? (this.log[this.head0] as Entry).seq : this.seq + 1;
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
    if (seq < this.firstSeq() - 1) {
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
