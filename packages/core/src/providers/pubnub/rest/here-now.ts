import type { PresenceEvent } from '../../../events.js';
import { ItemProblem } from '../../../errors.js';
import { RANK } from '../../../order-key.js';
import { isRecord } from '../../../values.js';
import { parseState } from '../state.js';

/** PubNub caches Here Now for 3 seconds: an answer may be that old. */
export const HERE_NOW_CACHE_MS = 3000;

export interface HereNowMembers {
  events: PresenceEvent[];
  /** False when `occupancy` counts more members than `uuids` lists, or an entry names no uuid. */
  complete: boolean;
  problems: ItemProblem[];
}

/** A snapshot member of PubNub: present as of the snapshot time, rank 0, an id stable for that snapshot. */
export function hereNowEvent(channel: string, uuid: string, state: unknown, time: number): PresenceEvent {
  const member: PresenceEvent['member'] = { clientId: uuid, timestamp: time };
  if (state !== undefined) member.data = state;
  return {
    provider: 'pubnub',
    channel,
    memberKey: uuid,
    present: true,
    member,
    order: { ts: time, serial: -1, index: -1, rank: RANK.present, id: `here-now:${time}:${uuid}` },
  };
}

/**
 * Here Now's documented answer `{ status, message, occupancy, uuids: [{ uuid, state? }] | [uuid], service }`
 * to events stamped with the snapshot time. Undefined when the body has another shape. Pure.
 */
export function hereNowMembers(body: unknown, channel: string, time: number): HereNowMembers | undefined {
  if (!isRecord(body) || !Array.isArray(body.uuids)) return undefined;
  const problems: ItemProblem[] = [];
  const events: PresenceEvent[] = [];
  const seen = new Set<string>();
  for (const item of body.uuids) {
    const uuid = typeof item === 'string' ? item : isRecord(item) && typeof item.uuid === 'string' ? item.uuid : undefined;
    if (uuid === undefined || uuid === '') {
      problems.push(new ItemProblem('invalid_item', `PubNub Here Now entry on channel "${channel}" has no uuid`, { channel }));
      continue;
    }
    if (seen.has(uuid)) continue;
    seen.add(uuid);
    events.push(hereNowEvent(channel, uuid, isRecord(item) ? parseState(item.state) : undefined, time));
  }
  const occupancy = typeof body.occupancy === 'number' && Number.isSafeInteger(body.occupancy) ? body.occupancy : events.length;
  return { events, complete: problems.length === 0 && occupancy <= events.length, problems };
}

/** PubNub's error body: `{ status, error: true, message, payload?, service }`. */
export function pubnubErrorMessage(json: unknown): string | undefined {
  if (!isRecord(json)) return undefined;
  return typeof json.message === 'string' ? json.message : undefined;
}
