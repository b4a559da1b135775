import type { Change } from '../events.js';
import { toError } from '../errors.js';
import type { EmitMode } from '../options/receiver-options.js';
import { visibleChanges } from '../resync/repair.js';
import type { ChangeFeed } from '../store.js';

/** Changes read or claimed per call. */
const PAGE = 256;
/** How long a feed read waits for a change (ms) before it asks again. */
const READ_WAIT_MS = 1000;

export interface FleetPort {
  /** Emit changes committed elsewhere (or claimed, or read from the feed), nothing more. */
  emit(changes: readonly Change[]): Promise<void>;
  report(error: Error): void;
  /** Run a job in the tracker's queue (after the applies in flight). */
  track(job: () => Promise<void>): Promise<void>;
}

/**
 * How a fleet sharing one store hears its changes, over the store's feed:
 * - 'once': the instance that applied a change emits it at once and acknowledges it; every instance claims,
 *   now and then, changes nobody acknowledged for `claimAfterMs` (a lost reply, an instance that died between
 *   the commit and the emission) and emits them: each change is emitted by one instance (twice only if its
 *   handlers outlast claimAfterMs, or an acknowledgement failed).
 * - 'everywhere': every instance emits every change from the feed, its own included, in feed order (each
 *   channel's changes in commit order), from the moment it started.
 * A snapshot's restatements that change nothing visible (visibleChanges) are never emitted.
 */
export class FleetEmission {
  private readonly abort = new AbortController();
  private timer: ReturnType<typeof setInterval> | undefined;
  private loop: Promise<void> | undefined;
  private claiming: Promise<void> | undefined;
  /** 'everywhere': resolves once the reader holds its starting cursor (applies wait for it: none is missed). */
  ready: Promise<void> = Promise.resolve();
  /** Acknowledgements sent and not answered yet (`settled` waits for them). */
  private readonly acking = new Set<Promise<void>>();

  constructor(
    private readonly feed: ChangeFeed,
    readonly mode: EmitMode,
    private readonly claimAfterMs: number,
    private readonly port: FleetPort,
  ) {}

  start(): void {
    if (this.mode === 'once') {
      this.timer = setInterval(() => void this.claim(), Math.max(50, this.claimAfterMs / 2));
      this.timer.unref?.();
      return;
    }
    let started!: (cursor: string | undefined) => void;
    const head = new Promise<string | undefined>((resolve) => (started = resolve));
    this.ready = head.then(() => undefined);
    this.loop = this.read(head, started);
  }

  /**
   * 'once': the applying instance emitted these changes; acknowledge them, without holding up what comes next
   * (the next delivery's emission does not wait for this round trip; `settled` does).
   */
  emitted(changes: readonly Change[]): void {
    if (this.mode !== 'once') return;
    const cursors: string[] = [];
    for (const change of changes) if (change.cursor !== undefined) cursors.push(change.cursor);
    if (cursors.length === 0) return;
    let acked: Promise<void>;
    try {
      acked = Promise.resolve(this.feed.ack(cursors));
    } catch (error) {
      acked = Promise.reject(error as Error);
    }
    // A failure: claimed and emitted again by some instance later (at least once).
    const settled = acked.catch((error: unknown) => this.port.report(toError(error))).finally(() => this.acking.delete(settled));
    this.acking.add(settled);
  }

  /** Resolves once every acknowledgement sent so far was answered. */
  async settled(): Promise<void> {
    while (this.acking.size > 0) await Promise.all([...this.acking]);
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.abort.abort();
    await this.claiming;
    await this.loop;
    await this.settled();
  }

  private claim(): void {
    if (this.claiming !== undefined || this.abort.signal.aborted) return;
    this.claiming = (async () => {
      try {
        const changes = await this.feed.claim(this.claimAfterMs, PAGE);
        if (changes.length > 0 && !this.abort.signal.aborted)
          await this.port.track(async () => {
            await this.port.emit(visibleChanges(changes));
            this.emitted(changes);
          });
      } catch (error) {
        this.port.report(toError(error));
      } finally {
        this.claiming = undefined;
      }
    })();
  }

  private async read(head: Promise<string | undefined>, started: (cursor: string | undefined) => void): Promise<void> {
    const { signal } = this.abort;
    let cursor: string | undefined;
    try {
      cursor = await this.feed.head();
    } catch (error) {
      this.port.report(toError(error)); // the reader takes its head again below
    } finally {
      started(cursor);
    }
    await head;
    while (!signal.aborted) {
      try {
        cursor ??= await this.feed.head();
        const page = await this.feed.read(cursor, { limit: PAGE, waitMs: READ_WAIT_MS, signal });
        if (page.length === 0) continue;
        cursor = page[page.length - 1]?.cursor ?? cursor;
        await this.port.track(() => this.port.emit(visibleChanges(page)));
      } catch (error) {
        if (signal.aborted) return;
        this.port.report(toError(error));
        // Past the retention: go on from now. Any other failure (the store briefly down): the same cursor again.
        if ((error as { code?: unknown }).code === 'feed_cursor_expired') cursor = undefined;
        await new Promise((resolve) => setTimeout(resolve, READ_WAIT_MS).unref?.());
      }
    }
  }
}
