import { toError } from '../errors.js';
import { storeHorizonMs } from '../store.js';
import type { ResyncContext } from './resyncer.js';

/** Dead channels' notes are looked for at most this often (ms), and at most this many per pass. */
const FORGET_EVERY_MIN_MS = 1000;
const FORGET_BATCH = 1000;

/**
 * Drops the notes of channels the store has freed: not noted for a horizon (the store's tombstone
 * horizon) and holding nobody. A channel that still holds members is looked at again a horizon later.
 * At most one pass at a time, at most every quarter horizon (and second), of at most FORGET_BATCH channels.
 */
export class DeadChannelNotes {
  private readonly horizonMs: number;
  private lastPass: number;
  private passing = false;

  constructor(private readonly context: ResyncContext) {
    this.horizonMs = storeHorizonMs(context.port.store);
    this.lastPass = context.port.now();
  }

  /** Start a pass when one is due (called with each delivery). */
  forgetSoon(): void {
    const { port, book, signal } = this.context;
    const now = port.now();
    if (this.passing || signal.aborted || now - this.lastPass < Math.max(this.horizonMs / 4, FORGET_EVERY_MIN_MS)) return;
    this.lastPass = now;
    const stale = book.unseenSince(now - this.horizonMs, FORGET_BATCH);
    if (stale.length === 0) return;
    this.passing = true;
    void this.context.track(this.pass(stale).finally(() => void (this.passing = false)));
  }

  private async pass(stale: readonly string[]): Promise<void> {
    const { port, book, signal } = this.context;
    try {
      for (const channel of stale) {
        if (signal.aborted) return;
        const before = book.get(channel);
        if (before === undefined) continue;
        const seenAt = before.seenAt;
        const occupancy = await port.store.occupancy(channel);
        // Noted again while the store was asked: alive.
        if (book.get(channel) !== before || before.seenAt !== seenAt) continue;
        if (occupancy === 0) book.forget(channel);
        else book.touch(channel);
      }
    } catch (error) {
      if (!signal.aborted) port.report(toError(error));
    }
  }
}
