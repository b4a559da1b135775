import type { Change, Member, PresenceEvent, PresenceStore, ReportedOccupancy } from '@presence-webhooks/core/store';
import { isMemberChange } from '@presence-webhooks/core/store';
import { MemoryStore } from '@presence-webhooks/core';
import { SUITE_CHANNELS, memberKeyOf } from './events.js';

export interface StoreSnapshot {
  channels: string[];
  perChannel: { channel: string; members: Member[]; occupancy: number; reported: ReportedOccupancy | undefined }[];
}

/** Everything a store's reads show for the suite's channels. */
export async function readSnapshot(store: PresenceStore): Promise<StoreSnapshot> {
  const perChannel = await Promise.all(
    SUITE_CHANNELS.map(async (channel) => ({
      channel,
      members: await store.members(channel),
      occupancy: await store.occupancy(channel),
      reported: await store.reportedOccupancy(channel),
    })),
  );
  return { channels: await store.channels(), perChannel };
}

/** The reference: the events applied in one batch to a fresh MemoryStore (the embedded default store). */
export async function referenceSnapshot(events: readonly PresenceEvent[]): Promise<StoreSnapshot> {
  const store = new MemoryStore();
  await store.apply(events);
  return readSnapshot(store);
}

/**
 * Check the changes that applies returned: no event caused two changes, and per member the joins
 * minus the leaves end where the store ends (1 present, 0 not). When `ordered` (the applies ran
 * one after another), joins and leaves must also alternate from absent.
 */
export function checkChanges(all: readonly Change[], finalSnapshot: StoreSnapshot, ordered: boolean): string | undefined {
  const changes = all.filter(isMemberChange);
  const seen = new Set<string>();
  const balance = new Map<string, number>();
  for (const change of changes) {
    const key = `${change.channel}\u0000${memberKeyOf(change.member)}`;
    const id = `${key}\u0000${change.member.timestamp}`;
    if (seen.has(id)) return `an event caused two changes: ${change.type} of ${memberKeyOf(change.member)} in ${change.channel}`;
    seen.add(id);
    if (change.type === 'join') balance.set(key, (balance.get(key) ?? 0) + 1);
    if (change.type === 'leave') balance.set(key, (balance.get(key) ?? 0) - 1);
    const b = balance.get(key) ?? 0;
    if (ordered && b !== 0 && b !== 1) return `joins and leaves of ${memberKeyOf(change.member)} in ${change.channel} do not alternate`;
  }
  for (const { channel, members } of finalSnapshot.perChannel) {
    const present = new Set(members.map((m) => memberKeyOf(m)));
    for (const [key, b] of balance) {
      const [c, memberKey] = key.split('\u0000') as [string, string];
      if (c === channel && b !== (present.has(memberKey) ? 1 : 0))
        return `the changes of ${memberKey} in ${channel} do not end where the store ends`;
    }
    for (const memberKey of present) {
      if (balance.get(`${channel}\u0000${memberKey}`) !== 1) return `${memberKey} is present in ${channel} without a join`;
    }
  }
  return undefined;
}
