import type { PresenceEvent } from '../../../events.js';
import { ItemProblem } from '../../../errors.js';
import { RANK } from '../../../order-key.js';
import { count, isRecord } from '../../../values.js';

/** A snapshot member of Pusher: present as of the snapshot time, rank 0, an id stable for that snapshot. */
export function pusherUserEvent(channel: string, userId: string, time: number): PresenceEvent {
  return {
    provider: 'pusher',
    channel,
    memberKey: userId,
    present: true,
    member: { clientId: userId, timestamp: time },
    order: { ts: time, serial: -1, index: -1, rank: RANK.present, id: `users:${time}:${userId}` },
  };
}

export interface PusherUsers {
  events: PresenceEvent[];
  /** False when an entry names no user. */
  complete: boolean;
  problems: ItemProblem[];
}

/**
 * The users answer `{ "users": [{ "id": "u1" }, ...] }` to events stamped with the snapshot time;
 * undefined when the body has another shape. Pusher lists every user (no paging, no count). Pure.
 */
export function pusherUsers(body: unknown, channel: string, time: number): PusherUsers | undefined {
  if (!isRecord(body) || !Array.isArray(body.users)) return undefined;
  const events: PresenceEvent[] = [];
  const problems: ItemProblem[] = [];
  const seen = new Set<string>();
  for (const item of body.users) {
    const id = isRecord(item) && typeof item.id === 'string' && item.id !== '' ? item.id : undefined;
    if (id === undefined) {
      problems.push(new ItemProblem('invalid_item', `Pusher users entry on channel "${channel}" has no "id"`, { channel }));
      continue;
    }
    if (seen.has(id)) continue;
    seen.add(id);
    events.push(pusherUserEvent(channel, id, time));
  }
  return { events, complete: problems.length === 0, problems };
}

/** One presence channel of the app and the number of distinct users Pusher counts in it. */
export interface PusherChannelCount {
  channel: string;
  userCount: number;
}

/**
 * The channels answer `{ "channels": { "presence-a": { "user_count": 2 }, ... } }`; undefined when
 * the body has another shape. A channel without a usable `user_count` is left out. Pure.
 */
export function pusherChannelCounts(body: unknown): PusherChannelCount[] | undefined {
  if (!isRecord(body) || !isRecord(body.channels)) return undefined;
  const out: PusherChannelCount[] = [];
  for (const channel of Object.keys(body.channels)) {
    const info = body.channels[channel];
    const userCount = isRecord(info) ? count(info.user_count) : undefined;
    if (userCount !== undefined) out.push({ channel, userCount });
  }
  return out;
}

/** Pusher's error answers are text; a JSON one may carry `error`. */
export function pusherErrorMessage(json: unknown): string | undefined {
  if (typeof json === 'string') return json;
  return isRecord(json) && typeof json.error === 'string' ? json.error : undefined;
}
