import type { ChannelEvent, Member, PresenceEvent } from '../../events.js';
import { RANK } from '../../order-key.js';
import type { Normalised } from '../provider.js';
import type { PubNubEventKind } from './schemas.js';
import { count } from '../../values.js';

/** One PubNub presence event, whichever wire format it came in. */
export interface PubNubEventFields {
  kind: PubNubEventKind;
  channel: string;
  /** The member (uuid / userId); required for join, leave, timeout and state-change. */
  uuid?: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** The occupancy PubNub reported with the event. */
  occupancy?: number;
  /** The member's state (already parsed). */
  state?: unknown;
  /** Dedupe key: the E&A id, or a digest of the legacy body. */
  id: string;
  /** Interval (occupancy.counted) details: how many joined / left / timed out since the last count. */
  deltas?: Record<string, number>;
}

const RANKS: Readonly<Partial<Record<PubNubEventKind, number>>> = {
  join: RANK.present,
  'state-change': RANK.update,
  leave: RANK.leave,
  timeout: RANK.leave,
};

/** A non-negative integer occupancy (PubNub sends a number, E&A interval a numeric string). */
export const toOccupancy = count;

/** Member join / leave / timeout / state-change to the store's event (memberKey = uuid, no connectionId). */
export function presenceEvent(fields: PubNubEventFields & { uuid: string }): PresenceEvent {
  const { kind, channel, uuid, timestamp, id } = fields;
  const member: Member = { clientId: uuid, timestamp };
  if (fields.state !== undefined) member.data = fields.state;
  const present = kind === 'join' || kind === 'state-change';
  const event: PresenceEvent = {
    provider: 'pubnub',
    channel,
    memberKey: uuid,
    present,
    member,
    order: { ts: timestamp, serial: -1, index: -1, rank: RANKS[kind] ?? RANK.present, id },
    userId: undefined, // set by the receiver with user levels on (in the literal: set later, it would grow every event)
  };
  if (!present) event.reason = kind === 'timeout' ? 'timeout' : 'leave';
  if (fields.occupancy !== undefined) event.reported = { occupancy: fields.occupancy, timestamp };
  return event;
}

/** Channel active / inactive / interval to the event emitted as it is. */
export function channelEvent(fields: PubNubEventFields): ChannelEvent | undefined {
  const { channel, timestamp } = fields;
  if (fields.kind === 'active') return { name: 'channel.active', payload: { provider: 'pubnub', channel, timestamp } };
  if (fields.kind === 'inactive') return { name: 'channel.inactive', payload: { provider: 'pubnub', channel, timestamp } };
  if (fields.kind === 'interval') {
    const metrics: Record<string, number> = { ...fields.deltas };
    const payload: ChannelEvent = { name: 'occupancy', payload: { provider: 'pubnub', channel, timestamp, metrics } };
    if (fields.occupancy !== undefined) {
      metrics.occupancy = fields.occupancy;
      payload.payload.occupancy = fields.occupancy;
    }
    return payload;
  }
  return undefined;
}

/** Add one PubNub event to the result: member events go to the store, channel events are emitted. */
export function pushEvent(fields: PubNubEventFields, out: Normalised): void {
  const { uuid, kind } = fields;
  if (uuid !== undefined && (kind === 'join' || kind === 'leave' || kind === 'timeout' || kind === 'state-change')) {
    out.presence.push(presenceEvent({ ...fields, uuid }));
    return;
  }
  const event = channelEvent(fields);
  if (event !== undefined) out.channel.push(event);
}
