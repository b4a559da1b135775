import type { Change, PresenceEventMap } from '../events.js';
import { changePayload } from '../emitter.js';
import type { PresenceStore } from '../store.js';

/** One change of the fleet, as `receiver.changes()` yields it. */
export type FeedChange = {
  [K in Change['type']]: {
    /** Opaque: pass it as `since` to resume right after this change. */
    cursor: string;
    name: K;
    /** The payload the typed event of that name carries. */
    event: PresenceEventMap[K];
  };
}[Change['type']];

export interface FeedOptions {
  /** Resume right after this cursor (no gap, no duplicate while retained); omitted: from now. */
  since?: string;
  /** Ends the iteration (the `for await` loop returns). */
  signal?: AbortSignal;
  /** Changes fetched per read (default 256): what a slow consumer makes the process hold at most. */
  batch?: number;
}

/** How long one read waits for new changes before it asks again (ms). */
const WAIT_MS = 5000;

/**
 * Every change of the fleet from the store's feed, pulled page by page: a slow consumer falls behind in
 * the store (never in this process) and catches up, or gets `feed_cursor_expired` past the retention.
 */
export async function* readChanges(store: PresenceStore, options: FeedOptions): AsyncGenerator<FeedChange, void, undefined> {
  const feed = store.feed;
  if (feed === undefined)
    throw new TypeError(
      'presence-webhooks: receiver.changes() needs a store with a change feed: MemoryStore and PostgresStore have one, RedisStore with new RedisStore({ feed: {} })',
    );
  const { signal } = options;
  const batch = options.batch ?? 256;
  let cursor = options.since ?? (await feed.head());
  const aborted = () => signal?.aborted === true;
  while (!aborted()) {
    const page = await feed.read(cursor, { limit: batch, waitMs: WAIT_MS, ...(signal === undefined ? {} : { signal }) });
    for (const change of page) {
      if (aborted()) return;
      cursor = change.cursor ?? cursor;
      yield { cursor, name: change.type, event: changePayload(change) } as FeedChange;
    }
  }
}
