import type { TruthMember } from './ably-history.js';
import { sortMembers } from './ably-history.js';
import { pick, seededRandom, recentStart } from './random.js';

/** Pusher sends member_removed this long after a user's last connection closed, and not at all when the user is back by then. */
export const PUSHER_MEMBER_REMOVED_DELAY_MS = 3000;

export interface PusherHistoryOptions {
  seed: number;
  /** Presence channel names (they start with `presence-`). */
  channels?: readonly string[];
  /** Distinct user ids. Default 6. */
  users?: number;
  /** Connection opens and closes to generate. Default 60. */
  steps?: number;
  /** Epoch ms of the first step. */
  start?: number;
  /** Largest step of the clock between two connection changes (ms); default 1500. */
  maxGapMs?: number;
  /** Most connections of one user to one channel (tabs, devices). Default 3. */
  maxConnections?: number;
  /**
   * Share of member_removed webhooks after which the user comes straight back (within 200 ms, so
   * that with batching the removal and the new member_added often share a body). Default 0.15.
   */
  quickReturnShare?: number;
}

export type PusherHistoryKind = 'member_added' | 'member_removed' | 'channel_occupied' | 'channel_vacated';

/** One webhook event Pusher decided to send, in the order it sends them. */
export interface PusherHistoryEntry {
  kind: PusherHistoryKind;
  channel: string;
  /** member_added / member_removed only. */
  userId?: string;
  /** When Pusher sends it (epoch ms); strictly increasing over the history. */
  timeMs: number;
}

export interface PusherHistory {
  entries: PusherHistoryEntry[];
  /** channel -> present users ({ clientId: user_id }), from applying `entries` in order. */
  truth: Map<string, TruthMember[]>;
  /** Removals Pusher dropped because the user reconnected within PUSHER_MEMBER_REMOVED_DELAY_MS. */
  droppedRemovals: number;
}

/**
 * Generate a Pusher presence history at the connection level and derive the webhooks Pusher sends:
 * a user's first connection to a channel gives member_added (a second connection gives nothing);
 * when the last one closes, member_removed follows 3 s later unless the user reconnected in that
 * window (then nothing is sent at all). channel_occupied / channel_vacated frame each channel's
 * presence. Times only move forward.
 */
export function generatePusherHistory(options: PusherHistoryOptions): PusherHistory {
  const random = seededRandom(options.seed);
  const channels = options.channels ?? ['presence-room-1', 'presence-room-2', 'presence-room-3'];
  const users = Array.from({ length: options.users ?? 6 }, (_, i) => `user-${i}`);
  const steps = options.steps ?? 60;
  const maxGap = options.maxGapMs ?? 1500;
  const maxConnections = options.maxConnections ?? 3;
  const quickReturn = options.quickReturnShare ?? 0.15;
  if (!(Number.isSafeInteger(maxGap) && maxGap >= 1)) throw new RangeError('generatePusherHistory: maxGapMs must be a positive integer');
  let now = options.start ?? recentStart(steps * ((maxGap + 1) / 2));
  let sentAt = Number.NEGATIVE_INFINITY;
  const connections = new Map<string, number>(); // channel\0user -> open connections
  const members = new Map<string, Set<string>>(); // channel -> users Pusher reported present
  let pending: { at: number; channel: string; userId: string }[] = []; // scheduled member_removed
  const entries: PusherHistoryEntry[] = [];
  let droppedRemovals = 0;

  const send = (kind: PusherHistoryKind, channel: string, at: number, userId?: string) => {
    sentAt = Math.max(at, sentAt + 1);
    entries.push({ kind, channel, timeMs: sentAt, ...(userId === undefined ? {} : { userId }) });
  };
  const flush = (until: number) => {
    const due = pending.filter((p) => p.at <= until).sort((a, b) => a.at - b.at);
    pending = pending.filter((p) => p.at > until);
    for (const p of due) {
      const set = members.get(p.channel);
      set?.delete(p.userId);
      send('member_removed', p.channel, p.at, p.userId);
      if (set?.size === 0) send('channel_vacated', p.channel, p.at);
      if (random() < quickReturn) {
        // Back at once (a reload after the delay): a new connection, a new member_added.
        const at = p.at + 1 + Math.floor(random() * 200);
        connections.set(`${p.channel}\u0000${p.userId}`, 1);
        if (set?.size === 0) send('channel_occupied', p.channel, at);
        set?.add(p.userId);
        send('member_added', p.channel, at, p.userId);
      }
    }
  };

  for (let step = 0; step < steps; step++) {
    now += 1 + Math.floor(random() * maxGap);
    flush(now);
    const channel = pick(random, channels);
    const userId = pick(random, users);
    const key = `${channel}\u0000${userId}`;
    const open = connections.get(key) ?? 0;
    if (open > 0 && (open >= maxConnections || random() < 0.55)) {
      connections.set(key, open - 1);
      if (open === 1) pending.push({ at: now + PUSHER_MEMBER_REMOVED_DELAY_MS, channel, userId });
      continue;
    }
    connections.set(key, open + 1);
    if (open > 0) continue; // a further connection of a present user: no webhook
    const waiting = pending.findIndex((p) => p.channel === channel && p.userId === userId);
    if (waiting >= 0) {
      pending.splice(waiting, 1); // back within the delay: the removal is never sent
      droppedRemovals++;
      continue;
    }
    let set = members.get(channel);
    if (set === undefined) members.set(channel, (set = new Set()));
    if (set.size === 0) send('channel_occupied', channel, now);
    set.add(userId);
    send('member_added', channel, now, userId);
  }
  flush(Number.POSITIVE_INFINITY);
  return { entries, truth: pusherTruth(entries), droppedRemovals };
}

/** Apply a Pusher history in order: member_added adds the user, member_removed removes it. */
export function pusherTruth(entries: readonly PusherHistoryEntry[]): Map<string, TruthMember[]> {
  const map = new Map<string, Set<string>>();
  for (const entry of entries) {
    if (entry.userId === undefined) continue;
    let set = map.get(entry.channel);
    if (set === undefined) map.set(entry.channel, (set = new Set()));
    if (entry.kind === 'member_removed') set.delete(entry.userId);
    else set.add(entry.userId);
  }
  const truth = new Map<string, TruthMember[]>();
  for (const [channel, set] of map) if (set.size > 0) truth.set(channel, sortMembers([...set].map((clientId) => ({ clientId }))));
  return truth;
}
