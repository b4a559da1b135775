import type { PresenceChange, PresenceEvent } from '../events.js';
import type { MemberState } from './member-state.js';
import { stateFromEvent } from './member-state.js';
import { compareOrder } from './order.js';

export interface MergeResult {
  /** The state to keep, or undefined when the event changes nothing (stale or duplicate). */
  next?: MemberState;
  /** The effective change, when the visible set changed (or a present member was updated). */
  change?: PresenceChange;
}

/**
 * Merge one event into the state held for its member. Pure: it returns the next state and
 * the effective change; the caller stores them.
 *
 * - not newer than what is held: no effect (duplicate or stale);
 * - present over absent/unknown: join; present over present: update;
 * - absent over present: leave (with its reason); absent over absent/unknown: a silent tombstone.
 */
export function mergeEvent(current: MemberState | undefined, event: PresenceEvent, now: number): MergeResult {
  if (current !== undefined && compareOrder(event.order, current.order) <= 0) return {};
  const next = stateFromEvent(event, now);
  const wasPresent = current?.present === true;
  const { provider, channel, member } = event;
  if (event.present) {
    if (wasPresent) return { next, change: { type: 'update', provider, channel, member, previous: current.member } };
    return { next, change: { type: 'join', provider, channel, member } };
  }
  if (wasPresent) return { next, change: { type: 'leave', provider, channel, member, reason: next.reason ?? 'leave' } };
  return { next };
}

/** Sort members the way every store returns them: by clientId, then connectionId. */
export function compareMembers(a: { clientId: string; connectionId?: string }, b: { clientId: string; connectionId?: string }): number {
  if (a.clientId !== b.clientId) return a.clientId < b.clientId ? -1 : 1;
  const ac = a.connectionId ?? '';
  const bc = b.connectionId ?? '';
  return ac < bc ? -1 : ac > bc ? 1 : 0;
}
