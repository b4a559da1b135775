import type { PresenceStore } from '@presence-webhooks/core';

/** Every channel's members and occupancy figures: equal snapshots mean an unchanged store. */
export async function snapshot(store: PresenceStore): Promise<unknown> {
  const channels = await store.channels();
  return Promise.all(
    channels.map(async (channel) => ({
      channel,
      members: await store.members(channel),
      occupancy: await store.occupancy(channel),
      reported: await store.reportedOccupancy(channel),
    })),
  );
}
