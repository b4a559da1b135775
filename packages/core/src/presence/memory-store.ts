import type { Change, Member, PresenceEvent, ReportedOccupancy, UserChange, UserPresence } from '../events.js';
import { checkKnownKeys, nonNegativeNumber, optionalFunction, optionError, positiveInteger } from '../option-checks.js';
import type { ApplyOptions, PresenceStore, UserLevelOptions } from '../store.js';
import { DEFAULT_TOMBSTONE_HORIZON_MS } from '../store.js';
import { checkApplyOptions, checkUserLevelOptions } from './apply-options.js';
import { DEFAULT_FEED_RETAIN_MS, DEFAULT_MAX_CHANGES, MAX_MAX_CHANGES, MemoryFeed } from './memory-feed.js';
import { MemoryLease } from './memory-lease.js';
import { MemberRecord } from './member-record.js';
import { emptyChannel, MemoryChannels } from './memory-channels.js';
import type { ChannelState } from './memory-channels.js';
import { effectiveChange } from './merge.js';
import { compareOrder } from '../order-key.js';
import { UserLevels } from './user-levels.js';

export { DEFAULT_TOMBSTONE_HORIZON_MS };

export interface MemoryStoreOptions {
  /** How long an absent member's tombstone is kept (ms). Default 10 minutes: longer than Ably's 5-minute retry window. */
  tombstoneHorizonMs?: number;
  /** The store's clock (ms). Tests pass their own. */
  now?: () => number;
  /** The change feed's retention: changes older than `retainMs` (default 24 h) are dropped. */
  feed?: { retainMs?: number };
  /** The change feed keeps at most this many changes (default 10000): a reader further behind gets `feed_cursor_expired`. */
  maxChanges?: number;
}

/** The embedded default store: one process, in memory, synchronous merge. */
export class MemoryStore implements PresenceStore {
  readonly tombstoneHorizonMs: number;
  private readonly now: () => number;
  /** The channels' records, and the expiry of tombstones and watermark writes past the horizon. */
  private readonly state: MemoryChannels;
  /** In-process leases: one holder per name among the users of this store (see PresenceStore.lease). */
  readonly lease: MemoryLease;
  /** The change feed: an in-process bounded log (see PresenceStore.feed). */
  readonly feed: MemoryFeed;
  private readonly levels = new UserLevels();

  constructor(options: MemoryStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) throw optionError('MemoryStore options', 'an object', options);
    // Every option name (feed and maxChanges: the change feed, added this round).
    const names: Record<keyof MemoryStoreOptions, true> = {
      tombstoneHorizonMs: true,
      now: true,
      feed: true,
      maxChanges: true,
    };
    checkKnownKeys(options, names, 'MemoryStore');
    this.tombstoneHorizonMs = nonNegativeNumber(options.tombstoneHorizonMs, 'tombstoneHorizonMs', DEFAULT_TOMBSTONE_HORIZON_MS);
    this.now = optionalFunction<() => number>(options.now, 'now') ?? Date.now;
    this.state = new MemoryChannels(this.tombstoneHorizonMs);
    this.lease = new MemoryLease(this.now);
    const feed: unknown = options.feed ?? {};
    if (typeof feed !== 'object' || feed === null) throw optionError('feed', 'an object { retainMs? }', feed);
    const retainMs = nonNegativeNumber((feed as { retainMs?: unknown }).retainMs, 'feed.retainMs', DEFAULT_FEED_RETAIN_MS);
    const maxChanges = positiveInteger(options.maxChanges, 'maxChanges', DEFAULT_MAX_CHANGES);
    if (maxChanges > MAX_MAX_CHANGES) throw optionError('maxChanges', `a positive integer up to ${MAX_MAX_CHANGES}`, maxChanges);
    this.feed = new MemoryFeed(retainMs, maxChanges, this.now);
  }

  /** `applySync`, as a promise (a subclass's own applySync is the one called). */
  apply(events: readonly PresenceEvent[], options?: ApplyOptions): Promise<Change[]> {
    try {
      return Promise.resolve(this.applySync(events, options));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** The synchronous merge behind `apply`. */
  applySync(events: readonly PresenceEvent[], options?: ApplyOptions): Change[] {
    const marks = checkApplyOptions(options);
    const users = options?.users;
    const staleBefore = options?.staleBefore ?? Number.NEGATIVE_INFINITY;
    const now = this.now();
    const { byChannel, tombstones } = this.state;
    this.state.expire(now);
    const changes: Change[] = [];
    const notices = options?.notices;
    if (notices !== undefined) for (const notice of notices) if (notice.type === 'channel.active') changes.push(notice);
    // The watermark the events of the current run are checked against: the channel's, unless this
    // call sets one at least as new (then its events are the snapshot's, the newer truth).
    let watermark: number | undefined;
    // Events of one channel come in runs (an Ably item, a PubNub batch): look each run's channel up once.
    let name: string | undefined;
    let channel: ChannelState | undefined;
    for (const event of events) {
      if (event.channel !== name || channel === undefined) {
        name = event.channel;
        channel = byChannel.get(name);
        if (channel === undefined) byChannel.set(name, (channel = emptyChannel()));
        const setting = marks?.get(name);
        watermark =
          setting !== undefined && (channel.watermark === undefined || setting >= channel.watermark) ? undefined : channel.watermark;
      }
      if (event.reported !== undefined && (channel.reported === undefined || event.reported.timestamp >= channel.reported.timestamp)) {
        channel.reported = event.reported;
      }
      // Find the member's record: by connectionId (or member key), else in the overflow index.
      const { clientId, connectionId } = event.member;
      let map = channel.members;
      let key = connectionId ?? event.memberKey;
      let current = map.get(key);
      if (current !== undefined && current.clientId !== clientId) {
        map = channel.overflow ??= new Map();
        key = event.memberKey;
        current = map.get(key);
      } else if (current === undefined && channel.overflow?.has(event.memberKey) === true) {
        map = channel.overflow;
        key = event.memberKey;
        current = map.get(key);
      }
      if (current !== undefined && compareOrder(event.order, current) <= 0) continue; // duplicate or stale
      if (current === undefined && (event.order.ts < staleBefore || (watermark !== undefined && event.order.ts < watermark))) continue; // older than a snapshot that did not list it, or than any event kept
      const change = effectiveChange(current, event);
      const wasPresent = current?.present === true;
      let record: MemberRecord;
      if (current !== undefined && wasPresent) {
        // Update or leave of a present member: overwrite its record (taken for `previous` above).
        // A record that ever became absent is never made present again, so a queued tombstone
        // still finds out, by identity, whether its record was replaced since.
        current.assign(event);
        record = current;
      } else {
        record = new MemberRecord(event);
        map.set(key, record);
        if (map.size > channel.peak && map === channel.members) channel.peak = map.size;
      }
      channel.present += Number(record.present) - Number(wasPresent);
      if (!record.present) tombstones.push({ channel: event.channel, overflow: map !== channel.members, key, record }, now);
      if (change !== undefined) {
        changes.push(change);
        if (users !== undefined && record.userId !== undefined && change.type !== 'update') {
          const levels = changes as UserChange[];
          if (change.type === 'join') this.levels.up(record.userId, event.channel, event.provider, event.order.ts, levels);
          else this.levels.down(record.userId, event.channel, event.order.ts, users, levels);
        }
      } else if (users !== undefined && !event.present && event.userId !== undefined) {
        this.levels.seen(event.userId, event.provider, event.order.ts, users.now); // a leave ahead of its join
      }
    }
    if (notices !== undefined) for (const notice of notices) if (notice.type === 'channel.inactive') changes.push(notice);
    if (marks !== undefined) this.state.setWatermarks(marks, now);
    return this.commit(changes, now, options?.emitted === true);
  }

  /** Write the committed changes to the feed (each gets its cursor), acknowledged when the caller emits them (`emitted`). */
  private commit<C extends Change>(changes: C[], now: number, emitted = false): C[] {
    if (changes.length === 0 || (emitted && !this.feed.keeping)) return changes; // not kept (MemoryFeed.keeping)
    for (const change of changes) this.feed.append(change, now, emitted);
    this.feed.committed(now);
    return changes;
  }

  users(channel: string): Promise<string[]> {
    return Promise.resolve(this.levels.users(channel, this.state.presentRecords(channel)));
  }

  user(userId: string): Promise<UserPresence | undefined> {
    return Promise.resolve(this.levels.user(userId));
  }

  userCount(): Promise<number> {
    return Promise.resolve(this.levels.count());
  }

  expireUsers(options: UserLevelOptions): Promise<UserChange[]> {
    try {
      checkUserLevelOptions(options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const changes: UserChange[] = [];
    this.levels.expire(options, changes);
    return Promise.resolve(this.commit(changes, this.now(), options.emitted === true));
  }

  /** Collect tombstones older than the horizon. Runs on every apply; call it to free memory sooner. */
  expire(now: number = this.now()): void {
    this.state.expire(now);
  }

  members(channel: string): Promise<Member[]> {
    return Promise.resolve(this.state.members(channel));
  }

  channels(): Promise<string[]> {
    return Promise.resolve(this.state.names());
  }

  occupancy(channel: string): Promise<number> {
    return Promise.resolve(this.state.get(channel)?.present ?? 0);
  }

  reportedOccupancy(channel: string): Promise<ReportedOccupancy | undefined> {
    return Promise.resolve(this.state.get(channel)?.reported);
  }

  watermark(channel: string): Promise<number | undefined> {
    return Promise.resolve(this.state.get(channel)?.watermark);
  }

  /** Member states held, tombstones included (for tests and memory measurements). */
  get size(): number {
    return this.state.recordCount;
  }

  /** Channels held, empty ones awaiting collection included (for tests and memory measurements). */
  get channelCount(): number {
    return this.state.size;
  }

  /** Tombstones and watermark writes waiting for the horizon (for tests and memory measurements). */
  get queuedCount(): number {
    return this.state.queuedCount;
  }

  /** Users held, offline ones within lastSeenMs included (for tests and memory measurements). */
  get userSize(): number {
    return this.levels.size;
  }

  close(): Promise<void> {
    this.state.clear();
    this.levels.clear();
    this.feed.clear();
    return Promise.resolve();
  }
}
