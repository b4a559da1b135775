import { MemoryStore } from '@presence-webhooks/core';
import type { PresenceStore } from '@presence-webhooks/core';
import { storeConformanceCases } from '@presence-webhooks/testing/conformance';
import { describe, it } from 'vitest';

// Handles opened with the same namespace share one MemoryStore, as two receivers on one Redis share one state.
const shared = new Map<string, MemoryStore>();
function open({
  tombstoneHorizonMs,
  namespace,
  feedRetainMs,
}: {
  tombstoneHorizonMs: number;
  namespace: string;
  feedRetainMs?: number;
}): PresenceStore {
  let store = shared.get(namespace);
  if (store === undefined)
    shared.set(
      namespace,
      (store = new MemoryStore({ tombstoneHorizonMs, ...(feedRetainMs === undefined ? {} : { feed: { retainMs: feedRetainMs } }) })),
    );
  return { ...bind(store), close: () => Promise.resolve(void shared.delete(namespace)) };
}
function bind(store: MemoryStore): PresenceStore {
  return {
    apply: (events, options) => store.apply(events, options),
    members: (channel) => store.members(channel),
    channels: () => store.channels(),
    occupancy: (channel) => store.occupancy(channel),
    reportedOccupancy: (channel) => store.reportedOccupancy(channel),
    watermark: (channel) => store.watermark(channel),
    lease: store.lease,
    users: (channel) => store.users(channel),
    user: (userId) => store.user(userId),
    userCount: () => store.userCount(),
    expireUsers: (options) => store.expireUsers(options),
    feed: store.feed,
  };
}

describe('MemoryStore passes the store conformance suite', () => {
  for (const c of storeConformanceCases(open)) it(c.name, c.run);
});
