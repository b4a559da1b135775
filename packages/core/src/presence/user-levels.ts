import type { ProviderName, UserChange, UserPresence } from '../events.js';
import type { UserLevelOptions } from '../store.js';
import { TimeQueue } from './time-queue.js';

/** One level of a user's presence: in a channel, or in the app. */
interface Level {
  /** Present member records at this level. */
  count: number;
  /** The latest provider time among the level's leaves (what `lastSeen` becomes): a max, so arrival order does not matter. */
  lastLeave: number;
  /** While the last presence is gone but the grace window runs: the deadline (receiver clock). */
  pendingUntil: number | undefined;
  provider: ProviderName;
}

interface AppLevel extends Level {
  /** The channels whose level is present or pending; undefined when none (an offline user holds no Set). */
  channels: Set<string> | undefined;
  /** Provider time of the join that brought the user online. */
  since: number;
  /** Set once offline: the latest leave that ended the presence (kept for lastSeenMs). */
  lastSeen: number | undefined;
  /** When it went offline (receiver clock): forgotten lastSeenMs later. */
  offlineAt: number | undefined;
  /** The time of its newest entry in the offline queue (a user offline twice at one instant is queued once). */
  queuedAt: number | undefined;
}

/** A grace deadline to look at (timed at the deadline): a channel level (channel set) or the app level (channel undefined). */
interface Deadline {
  userId: string;
  channel: string | undefined;
}

/**
 * User-level presence in memory, derived from effective member changes (DESIGN "Round 3"): a user is
 * present in a channel while one of their members is, and online while one is present anywhere. `up`
 * and `down` are called with each effective join and leave of a member that carries a user id; they push
 * the user-level changes they cause. Grace deadlines and the forgetting of offline users are FIFO
 * queues (deadlines are `now + graceMs` on a forward-moving clock), checked lazily.
 */
export class UserLevels {
  private readonly byChannel = new Map<string, Map<string, Level>>();
  private readonly apps = new Map<string, AppLevel>();
  private readonly deadlines = new TimeQueue<Deadline>();
  /** Offline users, timed when they went offline (a user gone offline again leaves a stale entry: checked when taken). */
  private readonly offline = new TimeQueue<string>();
  private onlineCount = 0;

  /** A member of `userId` became present in `channel` (provider time `at`). */
  up(userId: string, channel: string, provider: ProviderName, at: number, out: UserChange[]): void {
    let levels = this.byChannel.get(channel);
    if (levels === undefined) this.byChannel.set(channel, (levels = new Map()));
    let level = levels.get(userId);
    if (level === undefined) {
      level = { count: 0, lastLeave: Number.NEGATIVE_INFINITY, pendingUntil: undefined, provider };
      levels.set(userId, level);
    }
    if (level.count++ === 0) {
      if (level.pendingUntil !== undefined)
        level.pendingUntil = undefined; // back within the grace window
      else {
        level.lastLeave = Number.NEGATIVE_INFINITY;
        level.provider = provider;
        out.push({ type: 'user.join', userId, provider, channel, at });
      }
    }
    const app = this.app(userId, provider, at);
    (app.channels ??= new Set()).add(channel);
    if (app.count++ === 0) {
      if (app.pendingUntil !== undefined) app.pendingUntil = undefined;
      else {
        app.lastSeen = undefined;
        app.offlineAt = undefined;
        app.since = at;
        app.provider = provider;
        this.onlineCount++;
        out.push({ type: 'user.online', userId, provider, channel, at });
        return;
      }
    }
    if (at < app.since) app.since = at; // an earlier join of this presence arrived late
  }

  /**
   * A leave of `userId` that ended no presence here (it arrived before its member's join, which is now
   * stale): `lastSeen` is the latest of all the user's leaves whatever order they arrived in, so it counts.
   */
  seen(userId: string, provider: ProviderName, at: number, now: number): void {
    const app = this.app(userId, provider, at);
    if (at > app.lastLeave) app.lastLeave = at;
    if (app.count === 0 && app.pendingUntil === undefined) {
      if (app.offlineAt === undefined) {
        app.offlineAt = now; // never online here: kept for lastSeenMs like any offline user
        this.remember(userId, app, now);
      }
      app.lastSeen = app.lastLeave;
    }
  }

  /** A member of `userId` left `channel` (provider time `at` of the leave). */
  down(userId: string, channel: string, at: number, options: UserLevelOptions, out: UserChange[]): void {
    const level = this.byChannel.get(channel)?.get(userId);
    const app = this.apps.get(userId);
    if (level === undefined || app === undefined || level.count === 0) return; // not tracked when it joined
    if (at > level.lastLeave) level.lastLeave = at;
    if (at > app.lastLeave) app.lastLeave = at;
    const graced = options.graceMs > 0;
    if (--level.count === 0) {
      if (graced) this.pend(level, userId, channel, options);
      else this.closeChannel(userId, channel, level, app, out);
    }
    if (--app.count === 0) {
      if (graced) this.pend(app, userId, undefined, options);
      else this.closeApp(userId, app, options.now, out);
    }
  }

  /** Close the grace windows that ended by `now`; forget users offline for longer than lastSeenMs. */
  expire(options: UserLevelOptions, out: UserChange[]): void {
    const { now } = options;
    this.deadlines.drain(now, ({ userId, channel }, at) => {
      const app = this.apps.get(userId);
      if (app === undefined) return;
      if (channel === undefined) {
        if (app.count === 0 && app.pendingUntil === at) this.closeApp(userId, app, now, out);
        return;
      }
      const level = this.byChannel.get(channel)?.get(userId);
      if (level !== undefined && level.count === 0 && level.pendingUntil === at) this.closeChannel(userId, channel, level, app, out);
    });
    this.offline.drainBefore(now - options.lastSeenMs, (userId, at) => {
      const app = this.apps.get(userId);
      if (app !== undefined && app.count === 0 && app.pendingUntil === undefined && app.offlineAt === at) this.apps.delete(userId);
    });
  }

  /** User ids present (or pending) in a channel, sorted. */
  users(channel: string): string[] {
    const levels = this.byChannel.get(channel);
    return levels === undefined ? [] : [...levels.keys()].sort();
  }

  user(userId: string): UserPresence | undefined {
    const app = this.apps.get(userId);
    if (app === undefined) return undefined;
    const online = app.count > 0 || app.pendingUntil !== undefined;
    const presence: UserPresence = {
      userId,
      online,
      channels: app.channels === undefined ? [] : [...app.channels].sort(),
      members: app.count,
    };
    if (online) presence.since = app.since;
    const lastSeen = app.lastSeen ?? (app.pendingUntil !== undefined ? app.lastLeave : undefined);
    if (lastSeen !== undefined) presence.lastSeen = lastSeen;
    return presence;
  }

  private app(userId: string, provider: ProviderName, at: number): AppLevel {
    let app = this.apps.get(userId);
    if (app === undefined) {
      app = {
        count: 0,
        lastLeave: Number.NEGATIVE_INFINITY,
        pendingUntil: undefined,
        provider,
        channels: undefined,
        since: at,
        lastSeen: undefined,
        offlineAt: undefined,
        queuedAt: undefined,
      };
      this.apps.set(userId, app);
    }
    return app;
  }

  /** Users online (present or pending) app-wide. */
  count(): number {
    return this.onlineCount;
  }

  /** Users held, offline ones included (for memory measurements). */
  get size(): number {
    return this.apps.size;
  }

  clear(): void {
    this.byChannel.clear();
    this.apps.clear();
    this.deadlines.clear();
    this.offline.clear();
    this.onlineCount = 0;
  }

  /**
   * Queue an offline user to be forgotten lastSeenMs later. A user who goes offline again leaves a stale
   * entry behind (checked lazily); past twice the users held, the stale ones are dropped at once, so the
   * queue stays bounded by the users held whatever their comings and goings. A user gone offline twice at
   * the same instant (one delivery, or deliveries within a millisecond) is queued once: two entries of
   * equal time would both look current, survive every drop, and make each later push drop again (O(n) each).
   */
  private remember(userId: string, app: AppLevel, at: number): void {
    // Each entry of a user has its own time, so at most one of them is current (the one at offlineAt).
    if (app.queuedAt === at) return;
    app.queuedAt = at;
    this.offline.push(userId, at);
    if (this.offline.length > 2 * this.apps.size + 1024) this.offline.retain((id, when) => this.apps.get(id)?.offlineAt === when);
  }

  private pend(level: Level, userId: string, channel: string | undefined, options: UserLevelOptions): void {
    level.pendingUntil = options.now + options.graceMs;
    this.deadlines.push({ userId, channel }, level.pendingUntil);
  }

  private closeChannel(userId: string, channel: string, level: Level, app: AppLevel, out: UserChange[]): void {
    const levels = this.byChannel.get(channel);
    levels?.delete(userId);
    if (levels?.size === 0) this.byChannel.delete(channel);
    app.channels?.delete(channel);
    if (app.channels?.size === 0) app.channels = undefined;
    out.push({ type: 'user.leave', userId, provider: level.provider, channel, at: level.lastLeave, lastSeen: level.lastLeave });
  }

  private closeApp(userId: string, app: AppLevel, now: number, out: UserChange[]): void {
    app.pendingUntil = undefined;
    app.lastSeen = app.lastLeave;
    app.offlineAt = now;
    this.onlineCount--;
    this.remember(userId, app, now);
    out.push({ type: 'user.offline', userId, at: app.lastSeen, lastSeen: app.lastSeen });
  }
}
