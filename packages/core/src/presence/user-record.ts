import type { ProviderName } from '../events.js';

/** One level of a user's presence in a channel: present while `count` > 0, or pending within the grace window. */
export interface Level {
  /** Present member records at this level. */
  count: number;
  /** The latest provider time among the level's leaves (what `lastSeen` becomes): a max, so arrival order does not matter. */
  lastLeave: number;
  /** While the last presence is gone but the grace window runs: the deadline (receiver clock). */
  pendingUntil: number | undefined;
  /** The provider of the join that brought the level up (its user.leave names it). */
  provider: ProviderName;
}

/** A channel level of a user in more than one channel at once: the second channel on (the first is in the user's record). */
export class ChannelLevel implements Level {
  count = 0;
  lastLeave = Number.NEGATIVE_INFINITY;
  pendingUntil: number | undefined = undefined;
  constructor(public provider: ProviderName) {}
}

/**
 * A user's levels: app-wide, and per channel. Most users are in one channel at a time, so the record
 * holds that channel's level inline (its `Level` fields, with `channel` naming it): a user joining and
 * leaving one channel allocates nothing after the record's first creation (measured: a Level object, a
 * Set of channels and the Maps' churn per join and leave were most of what user levels cost a delivery).
 * Only further channels, at the same time as the first, get a ChannelLevel each in `others`.
 *
 * The number fields never hold undefined where a sentinel works (`offlineAt`), so V8 keeps them as doubles
 * written in place: a field that also holds undefined stores each new time as a fresh heap number.
 */
export class UserRecord implements Level {
  /** The inline channel level's channel; undefined while it holds none. */
  channel: string | undefined = undefined;
  count = 0;
  lastLeave = Number.NEGATIVE_INFINITY;
  pendingUntil: number | undefined = undefined;
  provider: ProviderName;
  /** The levels of the channels beyond the inline one; undefined when none (the common case). */
  others: Map<string, ChannelLevel> | undefined = undefined;

  /** App level: the user's present member records, all channels together. */
  appCount = 0;
  /** App level: the latest provider time among all the user's leaves (lastSeen once offline). */
  appLastLeave = Number.NEGATIVE_INFINITY;
  /** App level: the grace deadline while the last presence is gone (receiver clock). */
  appPendingUntil: number | undefined = undefined;
  /** Provider time of the join that brought the user online. */
  since: number;
  /**
   * When it last went offline (receiver clock), -Infinity if never: while offline, the time of its
   * current entry in the offline queue (forgotten lastSeenMs later). Kept while online: a user offline
   * again at that same instant (one delivery, or deliveries within a millisecond) is not queued twice.
   */
  offlineAt = Number.NEGATIVE_INFINITY;

  constructor(provider: ProviderName, since: number) {
    this.provider = provider;
    this.since = since;
  }

  /** Online: a member present, or the grace window of the last one running. */
  get online(): boolean {
    return this.appCount > 0 || this.appPendingUntil !== undefined;
  }

  /** The user's level in `channel`, if it is present or pending there. */
  level(channel: string): Level | undefined {
    return this.channel === channel ? this : this.others?.get(channel);
  }

  /** Start a level in `channel` (which has none): inline if the record's slot is free. */
  open(channel: string, provider: ProviderName): Level {
    if (this.channel === undefined) {
      this.channel = channel;
      this.count = 0;
      this.lastLeave = Number.NEGATIVE_INFINITY;
      this.pendingUntil = undefined;
      this.provider = provider;
      return this;
    }
    const level = new ChannelLevel(provider);
    (this.others ??= new Map()).set(channel, level);
    return level;
  }

  /** Drop the level of `channel` (its presence ended). */
  close(channel: string, level: Level): void {
    if (level === this) {
      this.channel = undefined;
      this.pendingUntil = undefined;
      return;
    }
    this.others?.delete(channel);
    if (this.others?.size === 0) this.others = undefined;
  }

  /** The channels where the user is present or pending, sorted. */
  channels(): string[] {
    const channels = this.others === undefined ? [] : [...this.others.keys()];
    if (this.channel !== undefined) channels.push(this.channel);
    return channels.sort();
  }
}
