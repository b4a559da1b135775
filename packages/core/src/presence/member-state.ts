import type { LeaveReason, Member, OrderKey, PresenceEvent } from '../events.js';

/**
 * What a store keeps per member key: the newest event seen, present or not.
 * An absent state is a tombstone: it is kept for the horizon so that an older event
 * arriving late is recognised as stale.
 */
export interface MemberState {
  present: boolean;
  order: OrderKey;
  member: Member;
  reason?: LeaveReason;
  /** Store clock (ms) when this state was written; tombstones expire from here. */
  storedAt: number;
}

export function stateFromEvent(event: PresenceEvent, now: number): MemberState {
  const state: MemberState = { present: event.present, order: event.order, member: event.member, storedAt: now };
  if (!event.present) state.reason = event.reason ?? 'leave';
  return state;
}
