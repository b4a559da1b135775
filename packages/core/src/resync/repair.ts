import { isDeepStrictEqual } from 'node:util';
import type { Change, Member, PresenceEvent, ProviderName } from '../events.js';
import { RANK } from '../order-key.js';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../providers/bounds.js';
import { providerDefinition } from '../providers/index.js';
import type { Snapshot } from '../providers/snapshot.js';
import type { ChannelWatermark, PresenceStore } from '../store.js';

/** What merging a snapshot takes: the repair events, the watermark a complete one sets, and how many of its provider's members the store held. */
export interface RepairPlan {
  events: PresenceEvent[];
  watermarks: ChannelWatermark[];
  stored: number;
}

/**
 * A complete snapshot taken at T makes older events of members it did not list stale (the store's
 * watermark), but the snapshot time is this machine's clock and the events carry the provider's:
 * the watermark is set this much earlier, so a member who joined right after the snapshot is not
 * lost to a clock ahead of the provider's. (PubNub's snapshot time already allows for its 3 s cache.)
 */
export const WATERMARK_MARGIN_MS = 5000;

/**
 * Plan a channel's repair from a provider's snapshot against what the store holds now (call it where no
 * delivery can slip in between the read and the merge: the tracker's queue).
 */
export async function planRepair(
  store: Pick<PresenceStore, 'members'>,
  snapshot: Snapshot,
  maxClockSkewMs: number = DEFAULT_MAX_CLOCK_SKEW_MS,
): Promise<RepairPlan> {
  const own = ownMembers(await store.members(snapshot.channel), snapshot.provider);
  // A complete snapshot sets its channel's watermark; an incomplete one none.
  const watermarks = snapshot.complete ? [{ channel: snapshot.channel, time: snapshot.time - WATERMARK_MARGIN_MS }] : [];
  return { events: ownRepairEvents(snapshot, own, maxClockSkewMs), watermarks, stored: own.length };
}

/** A resync leave loses a tie against any real event of the same time: the snapshot did not see it. */
export const RESYNC_LEAVE_RANK = -1;

/** The member key of a stored member, as the providers build it (Ably connectionId:clientId, PubNub uuid). */
export function storedMemberKey(member: Member): string {
  return member.connectionId === undefined ? member.clientId : `${member.connectionId}:${member.clientId}`;
}

/**
 * The stored members that can be `provider`'s (its members are connections, with a connectionId, or
 * users): the one place this rule is written.
 */
export function ownMembers(members: readonly Member[], provider: ProviderName): Member[] {
  const connections = providerDefinition(provider).members === 'connections';
  const own: Member[] = [];
  for (const member of members) if ((member.connectionId !== undefined) === connections) own.push(member);
  return own;
}

/** The leave a resync infers for a stored member the snapshot does not list: at the snapshot time, serial -1. */
export function resyncLeave(snapshot: Pick<Snapshot, 'provider' | 'channel' | 'time'>, member: Member): PresenceEvent {
  const memberKey = storedMemberKey(member);
  return {
    provider: snapshot.provider,
    channel: snapshot.channel,
    memberKey,
    present: false,
    reason: 'resync',
    member: { ...member, timestamp: snapshot.time },
    order: { ts: snapshot.time, serial: -1, index: -1, rank: RESYNC_LEAVE_RANK, id: `resync:${snapshot.time}:${memberKey}` },
  };
}

/**
 * The leave that removes a stored member whose time is from the future (more than maxClockSkewMs
 * after the snapshot: no delivery can carry such a time any more, so it was stored before that bound
 * existed, or by another instance without it). It is ordered at the member's own time with a leave's
 * rank, so it wins over the held state whatever its serial (a leave without serial orders by time).
 */
function ghostLeave(snapshot: Pick<Snapshot, 'provider' | 'channel' | 'time'>, member: Member): PresenceEvent {
  const leave = resyncLeave(snapshot, member);
  leave.member.timestamp = member.timestamp;
  leave.order = { ...leave.order, ts: member.timestamp, rank: RANK.leave };
  return leave;
}

/**
 * The events that bring a channel's stored set to the snapshot, for the store's ordinary merge:
 * every listed member (with its own order key, so a newer stored state wins), and for each stored
 * member of the provider that a complete snapshot does not list:
 * - last event older (provider time) than the snapshot: a leave at the snapshot time. It carries no
 *   serial, so it is ordered by time against the held state: it removes the member whatever its
 *   serial (an absurd msgSerial cannot keep a member the provider no longer lists);
 * - time more than `maxClockSkewMs` after the snapshot (a time from the future): a leave at that
 *   time (ghostLeave), so that no future timestamp pins a member;
 * - otherwise (an event newer than the snapshot, within the skew): nothing, it was delivered while
 *   the snapshot was read.
 * No leave is inferred from an incomplete snapshot. Pure.
 */
export function repairEvents(
  snapshot: Snapshot,
  stored: readonly Member[],
  maxClockSkewMs: number = DEFAULT_MAX_CLOCK_SKEW_MS,
): PresenceEvent[] {
  return ownRepairEvents(snapshot, ownMembers(stored, snapshot.provider), maxClockSkewMs);
}

/** repairEvents, given only the stored members of the snapshot's provider (`ownMembers`). */
function ownRepairEvents(snapshot: Snapshot, own: readonly Member[], maxClockSkewMs: number): PresenceEvent[] {
  const events = snapshot.events.slice();
  if (!snapshot.complete) return events;
  const listed = new Set<string>();
  for (const event of snapshot.events) if (event.present) listed.add(event.memberKey);
  for (const member of own) {
    if (listed.has(storedMemberKey(member))) continue;
    if (member.timestamp < snapshot.time) events.push(resyncLeave(snapshot, member));
    else if (member.timestamp - snapshot.time > maxClockSkewMs) events.push(ghostLeave(snapshot, member));
  }
  return events;
}

/**
 * The changes worth emitting: a snapshot that restates a member as it is stored (PubNub lists
 * members with the snapshot time) moves its order key forward but changes nothing visible.
 */
export function visibleChanges<C extends Change>(changes: readonly C[]): C[] {
  return changes.filter(
    (c) => c.type !== 'update' || !isDeepStrictEqual(c.member.data, c.previous.data) || c.member.encoding !== c.previous.encoding,
  );
}

/** How many members a snapshot lists as present. */
export function listedCount(snapshot: Snapshot): number {
  let n = 0;
  for (const event of snapshot.events) if (event.present) n++;
  return n;
}
