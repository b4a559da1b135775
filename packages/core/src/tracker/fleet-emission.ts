import type { Change } from '../events.js';
import { toError } from '../errors.js';
import type { ChangeFeed } from '../store.js';
import type { EmitMode } from '../options/receiver-options.js';

/** Changes read or claimed per call. */
const PAGE = 256;
/** How long a feed read waits for a change (ms) before it asks again. */
const READ_WAIT_MS = 1000;
/** Own cursors remembered at most (emit 'everywhere'): past this the oldest are forgotten. */
const OWN_LIMIT = 100_000;

export interface FleetPort {
  /** Emit changes committed elsewhere (or claimed), nothing more. */
  emit(changes: readonly Change[]): Promise<void>;
  report(error: Error): void;
  /** Run a job in the tracker's queue (after the applies in flight). */
  track(job: () => Promise<void>): Promise<void>;
}

/**
 * How a fleet sharing one store hears its changes, over the store's feed. The instance that applied a
 * change emits it at once; then:
 * - 'once': it acknowledges the change; every instance claims, now and then, changes nobody acknowledged
 *   for `claimAfterMs` (a lost reply, an instance that died between the commit and the emission) and emits
 *   them: each change is emitted by one instance (twice only if its handlers outlast claimAfterMs).
 * - 'everywhere': every instance reads the feed from where it started and emits each change once, skipping
 *   the ones it applied itself.
 */
export class FleetEmission {
  private readonly own = new Set<string>();
  private readonly abort = new AbortController();
  private timer: ReturnType<typeof setInterval> | undefined;
  private loop: Promise<void> | undefined;
  private claiming = false;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly mode: EmitMode,
    private readonly claimAfterMs: number,
    private readonly port: FleetPort,
  ) {}

  start(): void {
    if (this.mode === 'once') {
      this.timer = setInterval(() => void this.claim(), Math.max(50, this.claimAfterMs / 2));
      this.timer.unref?.();
    } else {
      this.loop = this.read();
    }
  }

  /** The applying instance emitted these changes: acknowledge them ('once') or remember them as its own ('everywhere'). */
  async emitted(changes: readonly Change[]): Promise<void> {
    const cursors: string[] = [];
    for (const change of changes) if (change.cursor !== undefined) cursors.push(change.cursor);
    if (cursors.length === 0) return;
    if (this.mode === 'everywhere') {
      for (const cursor of cursors) this.own.add(cursor);
      if (this.own.size > OWN_LIMIT) for (const cursor of this.own) if (this.own.delete(cursor) && this.own.size <= OWN_LIMIT) break;
      return;
    }
    try {
      await this.feed.ack(cursors);
    } catch (error) {
      this.port.report(toError(error)); // claimed and emitted again by some instance later: at least once
    }
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.abort.abort();
    await this.loop;
  }

  private async claim(): Promise<void> {
    if (this.claiming || this.abort.signal.aborted) return;
    this.claiming = true;
    try {
      const changes = await this.feed.claim(this.claimAfterMs, PAGE);
      if (changes.length > 0)
        await this.port.track(async () => {
          await this.port.emit(changes);
          await this.emitted(changes);
        });
    } catch (error) {
      this.port.report(toError(error));
    } finally {
      this.claiming = false;
    }
  }

  private async read(): Promise<void> {
    const { signal } = this.abort;
    let cursor: string | undefined;
    while (!signal.aborted) {
      try {
        cursor ??= await this.feed.head();
        const page = await this.feed.read(cursor, { limit: PAGE, waitMs: READ_WAIT_MS, signal });
        if (page.length === 0) continue;
        cursor = page[page.length - 1]?.cursor ?? cursor;
        // In the queue: an apply of this instance still in flight has recorded its cursors by then.
        await this.port.track(() =>
          this.port.emit(page.filter((change) => change.cursor === undefined || !this.own.delete(change.cursor))),
        );
      } catch (error) {
        if (signal.aborted) return;
        this.port.report(toError(error));
        cursor = undefined; // expired or unreadable: go on from now
        await new Promise((resolve) => setTimeout(resolve, READ_WAIT_MS).unref?.());
      }
    }
  }
}
