import type { ChannelEvent, PresenceEvent } from '../../events.js';
import { RANK } from '../../order-key.js';

/** Pusher's webhook event names this receiver acts on; the others (client_event, cache_miss, subscription_count, ...) are ignored. */
export type PusherEventName = 'member_added' | 'member_removed' | 'channel_occupied' | 'channel_vacated';

/**
 * A presence event of a Pusher webhook. Pusher's members are users: memberKey = clientId = user_id,
 * no connectionId. Order: the webhook's `time_ms`, then the event's index in the body (carried as
 * serial / index, so two Pusher events compare by both); at an equal key member_removed wins (rank).
 * `id` (the dedupe key) is the body's digest and the index: a retry resends the same body.
 */
export function pusherPresenceEvent(
  name: 'member_added' | 'member_removed',
  channel: string,
  userId: string,
  timeMs: number,
  index: number,
  bodyDigest: string,
): PresenceEvent {
  const present = name === 'member_added';
  const event: PresenceEvent = {
    provider: 'pusher',
    channel,
    memberKey: userId,
    present,
    member: { clientId: userId, timestamp: timeMs },
    order: { ts: timeMs, serial: timeMs, index, rank: present ? RANK.present : RANK.leave, id: `${bodyDigest}:${index}` },
    userId: undefined, // set by the receiver with user levels on (in the literal: set later, it would grow every event)
  };
  if (!present) event.reason = 'leave';
  return event;
}

/** channel_occupied / channel_vacated to channel.active / channel.inactive. */
export function pusherChannelEvent(name: 'channel_occupied' | 'channel_vacated', channel: string, timeMs: number): ChannelEvent {
  const payload = { provider: 'pusher' as const, channel, timestamp: timeMs };
  return name === 'channel_occupied' ? { name: 'channel.active', payload } : { name: 'channel.inactive', payload };
}
