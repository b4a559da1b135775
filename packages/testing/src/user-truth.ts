/**
 * The user-level truth of a history (DESIGN "Round 3": people, not connections): apply its member steps in
 * order and read, per channel, the users present at the end, and per user whether they are online, where,
 * with how many members, and — once offline — when they were last seen. A user's own handlers and stores
 * can be checked against it (`receiver.users.get`, `receiver.users.count()`, `store.users(channel)`).
 */

/** One member-level step of a history, in order: a member of `userId` is present in `channel` after it, or not. */
export interface MemberStep {
  channel: string;
  /** The member's key in its channel (Ably `connectionId:clientId`, PubNub uuid, Pusher user_id). */
  memberKey: string;
  userId: string;
  present: boolean;
  /** Provider time (ms) of the event. */
  at: number;
}

/** What `receiver.users.get(userId)` must answer at the end (graceMs 0), `since` aside. */
export interface TruthUser {
  userId: string;
  online: boolean;
  /** Channels the user is present in, sorted. */
  channels: string[];
  /** Present member records over all channels. */
  members: number;
  /** Offline users only: the latest provider time among the leaves of their members. */
  lastSeen?: number;
}

export interface UserTruth {
  /** channel -> the distinct user ids present at the end, sorted (channels with nobody are absent). */
  channels: Map<string, string[]>;
  /** userId -> their presence, for every user who was ever present. */
  users: Map<string, TruthUser>;
  /** Users online at the end (`receiver.users.count()`). */
  online: number;
}

/**
 * Apply member steps in their true order. A leave of a member that is not present changes nothing (it
 * is no effective leave), so it does not count toward `lastSeen`.
 */
export function userTruth(steps: Iterable<MemberStep>): UserTruth {
  const present = new Map<string, Map<string, string>>(); // channel -> memberKey -> userId
  const lastLeave = new Map<string, number>();
  const seen = new Set<string>();
  for (const step of steps) {
    let members = present.get(step.channel);
    if (members === undefined) present.set(step.channel, (members = new Map()));
    const holder = members.get(step.memberKey);
    if (step.present) {
      if (holder === undefined) members.set(step.memberKey, step.userId); // an update keeps the user who joined
      seen.add(step.userId);
    } else if (holder !== undefined) {
      members.delete(step.memberKey);
      lastLeave.set(holder, Math.max(lastLeave.get(holder) ?? Number.NEGATIVE_INFINITY, step.at));
    }
  }
  const users = new Map<string, TruthUser>();
  for (const userId of [...seen].sort()) users.set(userId, { userId, online: false, channels: [], members: 0 });
  const channels = new Map<string, string[]>();
  for (const [channel, members] of [...present].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const here = new Set<string>();
    for (const userId of members.values()) {
      here.add(userId);
      const user = users.get(userId) as TruthUser;
      user.members++;
      user.online = true;
      if (user.channels[user.channels.length - 1] !== channel) user.channels.push(channel);
    }
    if (here.size > 0) channels.set(channel, [...here].sort());
  }
  let online = 0;
  for (const user of users.values()) {
    if (user.online) online++;
    else {
      const at = lastLeave.get(user.userId);
      if (at !== undefined) user.lastSeen = at;
    }
  }
  return { channels, users, online };
}
