import type { Change, ChannelChange, Member, PresenceEvent, ReportedOccupancy, UserChange, UserPresence } from './events.js';

/** How long a store keeps an absent member's tombstone by default (ms): longer than Ably's 5-minute retry window. */
export const DEFAULT_TOMBSTONE_HORIZON_MS = 10 * 60 * 1000;

/** A channel's watermark: the time (ms, the providers' clock) of a complete snapshot applied to it. */
export interface ChannelWatermark {
  channel: string;
  time: number;
}

/**
 * A store committed part of a batch and not the rest: `changes` are committed (the receiver emits them);
 * nothing of the events of `channels` changed (the receiver retries those channels on their own). A store
 * whose batch spans independent commits throws it (RedisStore: one script call per shard, a channel whose
 * keys hold data of another type); a store that commits a batch at once throws any error instead.
 */
export class PartialApplyError extends Error {
  readonly code = 'store_failed';

  constructor(
    readonly changes: Change[],
    readonly channels: string[],
    cause: unknown,
  ) {
    const named = channels.slice(0, 5).map((c) => JSON.stringify(c.slice(0, 64)));
    const more = channels.length > 5 ? ` and ${channels.length - 5} more` : '';
    super(`the store applied part of the batch; ${channels.length} channel(s) failed: ${named.join(', ')}${more}`, { cause });
    this.name = 'PartialApplyError';
  }
}

export interface ApplyOptions {
  /**
   * Raise these channels' watermarks (to the larger of the held one and `time`), atomically with the
   * batch and after it is merged: the batch is a complete snapshot of each channel taken at `time`.
   * From then on an event of the channel with `order.ts` below the watermark, for a member the store
   * holds no state for (no present record, no tombstone), is stale: no join, no change. Members the
   * store holds state for merge as before. The batch's own events of a channel listed here with a
   * `time` at or above the held watermark are not checked against any watermark (they are the newer
   * truth); events of other channels are checked against the held watermarks as usual.
   */
  watermarks?: readonly ChannelWatermark[];
  /**
   * A watermark for every channel (ms, provider clock; the receiver passes now - `maxEventAgeMs`): an event
   * older than this, for a member the store holds no state for, is stale. It closes replays of captured
   * deliveries after the tombstone horizon and very late retries alike. Omitted: no such bound.
   */
  staleBefore?: number;
  /**
   * Track user levels with this batch (see `UserLevelOptions`). Omitted: the store tracks none for this batch
   * (and a store that tracks users must still keep its counts right: the receiver passes it on every call or
   * on none).
   */
  users?: UserLevelOptions;
  /**
   * Channel notices to write to the change feed with the batch (a store with `feed`): the `channel.active`
   * ones before the batch's changes, the `channel.inactive` ones after. They change no state and are
   * returned, with their cursors, in the same places of `apply`'s answer.
   */
  notices?: readonly ChannelChange[];
  /**
   * For a store in the caller's process (one with `applySync`): the caller emits the answer's changes itself,
   * before anything else could claim them (the receiver does, with emit 'once'). A store with a feed writes
   * them acknowledged, as if `feed.ack` had been called; MemoryStore keeps nothing of them while no one reads
   * its feed (then the changes it returns have no `cursor`). Other stores ignore it (an instance may die between
   * their commit and its emission).
   */
  emitted?: boolean;
}

/**
 * User-level presence (DESIGN "Round 3"): a user in a channel is present while one of their members (events
 * with the same `userId`) is present in it; a user in the app while one of their members is present anywhere.
 * A store that implements `users` derives both levels from the effective member changes, in the same atomic
 * step as the members (or, where it cannot, e.g. across Redis Cluster slots, converging after a crash between
 * the two steps), and returns each level change right after the member change that caused it: channel level
 * first (`user.join` / `user.leave`), then app level (`user.online` / `user.offline`).
 */
export interface UserLevelOptions {
  /**
   * A level whose last presence went stays pending (present) for graceMs on the receiver's clock (`now`); a
   * presence back within it cancels its leave (no event); otherwise `expireUsers` returns the leave/offline
   * once the window ended. 0: the leave/offline is returned by `apply` at once.
   */
  graceMs: number;
  /** How long the `lastSeen` of an offline user is kept (ms): `expireUsers` forgets older ones. */
  lastSeenMs: number;
  /** The receiver's clock (ms) for this call: grace deadlines are `now + graceMs`. */
  now: number;
  /** `expireUsers` only: as `ApplyOptions.emitted`, for the changes it returns. */
  emitted?: boolean;
}

/**
 * The store's change feed (DESIGN "Round 3 — the change feed"): every change `apply` and `expireUsers` commit
 * is appended atomically with the state it describes (a committed change is in the feed, and only then), with
 * a cursor. Cursors are opaque strings, distinct per change; `read(after)` returns what was committed after a
 * cursor with no gap and no duplicate (in commit order per channel; a store with several shards may
 * interleave shards). A cursor older than the retention makes `read` throw `ReceiverError('feed_cursor_expired')`.
 */
export interface ChangeFeed {
  /** A cursor for "now": reading after it returns only changes committed later. */
  head(): Promise<string>;
  /**
   * Up to `limit` changes committed after `after`, in order. When there are none, waits up to `waitMs`
   * for one (0: answer at once); an aborted `signal` ends the wait with what there is (possibly nothing).
   */
  read(after: string, options: { limit: number; waitMs: number; signal?: AbortSignal }): Promise<Change[]>;
  /**
   * Emit once across a fleet: changes committed at least `olderThanMs` ago (store clock) that nobody has
   * acknowledged. Each is returned to one caller only (claimed for `olderThanMs` more; then it may be
   * claimed again if still unacknowledged). The instance that applied a change acknowledges it once it
   * emitted it, so only changes of an instance that died or lost the reply are ever claimed.
   */
  claim(olderThanMs: number, limit: number): Promise<Change[]>;
  /** These changes (by cursor) were emitted: never claim them. */
  ack(cursors: readonly string[]): Promise<void>;
}

/** A held lease (see `PresenceStore.lease`). */
export interface Lease {
  /** The fencing token: strictly increasing per lease name, across the fleet. */
  readonly token: number;
  /** Extend the lease by its ttl from now; false when it is no longer this holder's (it expired and was taken). */
  renew(): Promise<boolean>;
  /** Give the lease up; `done: true` records, at store time, that the work finished. No effect once the lease is not this holder's. */
  release(done: boolean): Promise<void>;
}

export interface LeaseStatus {
  /** Someone holds the lease now (it has not expired). */
  held: boolean;
  /** When the last holder that finished released with `done: true` (store time, ms). */
  doneAt?: number;
  /** That holder's token. */
  doneToken?: number;
}

/** One holder at a time per name, across every instance sharing the store. */
export interface LeaseCapability {
  /** The lease for `ttlMs`, or undefined when another holder has it. */
  acquire(name: string, ttlMs: number): Promise<Lease | undefined>;
  status(name: string): Promise<LeaseStatus>;
}

/**
 * The plug-in point for where the presence set lives.
 *
 * Contract (proved by the conformance suite in @presence-webhooks/testing):
 * - `apply` merges a batch atomically per channel and returns the effective changes in the order it decided them
 *   (each channel's in input order);
 * - idempotent: applying a batch twice changes nothing the second time and returns no changes;
 * - commutative: any order and any batching of the same events gives the same set;
 * - a stale or duplicate event changes nothing and yields no change;
 * - absent members leave a tombstone for the horizon, so an older event cannot resurrect them;
 * - a channel's watermark (`ApplyOptions.watermarks`) makes older events for members it holds no
 *   state for stale; it lives as long as the channel's state (freed with an empty channel after the horizon).
 */
export interface PresenceStore {
  /**
   * Merge a batch; the effective changes in the order the store decided them: each channel's in input order (a
   * store may take a batch channel by channel, as RedisStore does), member changes each followed by the user-level
   * changes it caused when `options.users` is given, so each user level's changes alternate up and down as they
   * happened; the notices where `ApplyOptions.notices` puts them.
   * It rejects with `PartialApplyError` when some channels were committed and others not, and with an error
   * whose `code` is `'store_unavailable'` when the store cannot answer at all (the receiver then retries the
   * batch whole; after any other error it tries a batch's channels one by one, so one bad channel does not
   * hold back the others). A member change carries the event's own `member` object: a receiver gives the
   * deliveries that waited for one call to the store as one batch and finds each change's delivery by it.
   */
  apply(events: readonly PresenceEvent[], options?: ApplyOptions): Promise<Change[]>;
  /**
   * Optional: `apply` done synchronously (an in-process store, MemoryStore). The receiver then merges and
   * emits a delivery without a queue job when nothing is queued. It throws only before changing anything.
   */
  applySync?(events: readonly PresenceEvent[], options?: ApplyOptions): Change[];
  /** The present members of a channel, sorted by clientId then connectionId. */
  members(channel: string): Promise<Member[]>;
  /** The channels that have at least one present member, sorted. */
  channels(): Promise<string[]>;
  /** The number of present members of a channel. */
  occupancy(channel: string): Promise<number>;
  /** The newest occupancy the provider reported for a channel (PubNub), if any. */
  reportedOccupancy(channel: string): Promise<ReportedOccupancy | undefined>;
  /** The channel's watermark (see `ApplyOptions`), if it holds one. */
  watermark?(channel: string): Promise<number | undefined>;
  /**
   * How long an absent member's tombstone is kept (ms; default DEFAULT_TOMBSTONE_HORIZON_MS): a channel
   * with no member left is freed this long after its last change, and the receiver's resync notes of it with it.
   */
  readonly tombstoneHorizonMs?: number;
  /** Users (user ids of present members) of a channel, sorted: a user pending in the grace window included. */
  users?(channel: string): Promise<string[]>;
  /** One user's presence, or undefined when the store holds nothing of them (never seen, or forgotten after lastSeenMs). */
  user?(userId: string): Promise<UserPresence | undefined>;
  /** Users online now (present or pending), app-wide. */
  userCount?(): Promise<number>;
  /**
   * Close the grace windows that ended by `options.now` (levels still without presence): their `user.leave` /
   * `user.offline`, committed (and written to the feed) once across every caller sharing the store; forget
   * offline users' lastSeen older than `lastSeenMs`.
   */
  expireUsers?(options: UserLevelOptions): Promise<UserChange[]>;
  /**
   * False when this instance cannot keep user levels although it has their methods (a store whose
   * deployment rules them out): the receiver then runs without them (and refuses an explicit `users` option).
   */
  readonly userLevels?: boolean;
  /** The change feed (see `ChangeFeed`). */
  readonly feed?: ChangeFeed;
  /** A lease, so that one instance of a fleet sharing this store does a piece of work at a time (whole-app reconcile). */
  lease?: LeaseCapability;
  /** Release connections and timers. */
  close?(): Promise<void>;
}

/** A store's tombstone horizon (ms): its own, or the default when it names none. */
export function storeHorizonMs(store: PresenceStore): number {
  const horizon = store.tombstoneHorizonMs;
  return typeof horizon === 'number' && horizon >= 0 ? horizon : DEFAULT_TOMBSTONE_HORIZON_MS;
}
