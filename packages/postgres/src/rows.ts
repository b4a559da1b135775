import type { Change, PresenceChange, PresenceEvent, ProviderName } from '@presence-webhooks/core/store';

type LeaveReason = Extract<PresenceChange, { type: 'leave' }>['reason'];
import { decodeMember } from './codec.js';

/** One row of `apply()` / `expire_users()` / the feed: a change, in the shape the SQL answers it. */
export interface ChangeRow {
  kind: string;
  /** 1-based index of the input event of a member change (apply only). */
  ord: number | null;
  previous: Buffer | null;
  cur: string | null;
  user_id: string | null;
  channel: string | null;
  provider: string | null;
  at: number | null;
  last_seen: number | null;
  /** The feed's copy of the member (feed rows only). */
  member?: Buffer | null;
  reason?: string | null;
}

/**
 * The change a row describes. A member change of `apply` takes its member from the input event (the
 * caller's own object, as MemoryStore answers); one read back from the feed decodes the stored copy.
 */
export function changeOf(row: ChangeRow, events: readonly PresenceEvent[]): Change {
  const cursor = row.cur === null ? {} : { cursor: row.cur };
  const kind = row.kind;
  if (kind === 'join' || kind === 'update' || kind === 'leave') {
    const event = row.ord === null ? undefined : events[row.ord - 1];
    const provider = (event?.provider ?? row.provider) as ProviderName;
    const channel = (event?.channel ?? row.channel) as string;
    const member = event?.member ?? decodeMember(row.member as Buffer);
    if (kind === 'join') return { type: 'join', provider, channel, member, ...cursor };
    if (kind === 'update') return { type: 'update', provider, channel, member, previous: decodeMember(row.previous as Buffer), ...cursor };
    const reason = (event === undefined ? row.reason : (event.reason ?? 'leave')) as LeaveReason;
    return { type: 'leave', provider, channel, member, reason, ...cursor };
  }
  const userId = row.user_id as string;
  const at = row.at as number;
  switch (kind) {
    case 'user.join':
      return { type: 'user.join', userId, provider: row.provider as ProviderName, channel: row.channel as string, at, ...cursor };
    case 'user.online':
      return { type: 'user.online', userId, provider: row.provider as ProviderName, channel: row.channel as string, at, ...cursor };
    case 'user.leave':
      return {
        type: 'user.leave',
        userId,
        provider: row.provider as ProviderName,
        channel: row.channel as string,
        at,
        lastSeen: row.last_seen as number,
        ...cursor,
      };
    case 'user.offline':
      return { type: 'user.offline', userId, at, lastSeen: row.last_seen as number, ...cursor };
    default:
      return {
        type: kind as 'channel.active' | 'channel.inactive',
        provider: row.provider as ProviderName,
        channel: row.channel as string,
        timestamp: at,
        ...cursor,
      };
  }
}
