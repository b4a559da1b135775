import type { Member, PresenceChange, PresenceEvent } from '../events.js';
import type { OrderKey } from '../order-key.js';
import { compareOrder } from '../order-key.js';

/** What a store holds for a member key: the newest event seen, present or not (a tombstone). */
export interface HeldState {
  readonly present: boolean;
  readonly order: OrderKey;
  /** The member as the held event described it (read only for an update's `previous`). */
  readonly member: Member;
}

export interface MergeResult {
  /** True when the event is newer than what is held: the store keeps the event's state. */
  apply: boolean;
  /** The effective change, when the visible set changed (or a present member was updated). */
  change?: PresenceChange;
}

const STALE: MergeResult = { apply: false };
const SILENT: MergeResult = { apply: true };

/**
 * Merge one event into the state held for its member. Pure: it says whether the event's state
 * replaces the held one and what effective change that is.
 *
 * - not newer than what is held: no effect (duplicate or stale);
 * - present over absent/unknown: join; present over present: update;
 * - absent over present: leave (with its reason); absent over absent/unknown: a silent tombstone.
 */
export function mergeEvent(current: HeldState | undefined, event: PresenceEvent): MergeResult {
  if (current !== undefined && compareOrder(event.order, current.order) <= 0) return STALE;
  const change = effectiveChange(current, event);
  return change === undefined ? SILENT : { apply: true, change };
}

/**
 * The effective change of an event already known to be newer than what is held (the second half
 * of mergeEvent, for stores that compare orders themselves): join, update, leave, or undefined for
 * a silent tombstone (absent over absent/unknown).
 */
export function effectiveChange(current: HeldState | undefined, event: PresenceEvent): PresenceChange | undefined {
  const wasPresent = current?.present === true;
  const { provider, channel, member } = event;
  if (event.present) {
    if (wasPresent) return { type: 'update', provider, channel, member, previous: current.member };
    return { type: 'join', provider, channel, member };
  }
  if (wasPresent) return { type: 'leave', provider, channel, member, reason: event.reason ?? 'leave' };
  return undefined;
}

/** Sort members the way every store returns them: by clientId, then connectionId. */
export function compareMembers(a: { clientId: string; connectionId?: string }, b: { clientId: string; connectionId?: string }): number {
  if (a.clientId !== b.clientId) return a.clientId < b.clientId ? -1 : 1;
  const ac = a.connectionId ?? '';
  const bc = b.connectionId ?? '';
  return ac < bc ? -1 : ac > bc ? 1 : 0;
}
