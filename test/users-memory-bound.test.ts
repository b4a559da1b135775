// Memory for offline users is bounded by the users held (issue 22: "lastSeen kept for lastSeenMs, bounded
// memory"), not by how often they went offline within lastSeenMs. One user who comes and goes 200,000
// times (grace 0) must leave the heap where one offline user leaves it.
//
// UserLevels drops a user's stale entries from its forgetting queue once the queue holds more than twice
// the users held (it used to keep one entry per offline transition for lastSeenMs, ~70 B each).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryStore } from '@presence-webhooks/core';
import type { PresenceEvent } from '@presence-webhooks/core/store';
import { describe, expect, it } from 'vitest';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
};

const T0 = Date.now() - 5 * 60_000;

function event(serial: number, present: boolean): PresenceEvent {
  const ts = T0 + serial;
  return {
    provider: 'ably',
    channel: 'room-1',
    memberKey: 'conn-1:alice',
    present,
    member: { clientId: 'alice', connectionId: 'conn-1', timestamp: ts },
    order: { ts, serial, index: 0, rank: present ? 0 : 1, id: `conn-1:${serial}:0` },
    userId: 'alice',
    ...(present ? {} : { reason: 'leave' as const }),
  };
}

describe('MemoryStore user levels: memory follows the users held', () => {
  it('one user online/offline 100,000 times holds what one offline user holds (not one queue entry per time)', async () => {
    // The receiver's clock moves 1 s per cycle and tombstones are kept 1 s, the feed 1 change: what is held
    // beside the user levels stays constant.
    let clock = Date.now();
    const store = new MemoryStore({ now: () => clock, tombstoneHorizonMs: 1000, maxChanges: 1 });
    const users = () => ({ graceMs: 0, lastSeenMs: 30 * 24 * 3600_000, now: (clock += 1000) });
    await store.apply([event(0, true)], { users: users() });
    await store.apply([event(1, false)], { users: users() });
    const before = heap();
    for (let serial = 2; serial < 200_000; serial += 2) {
      await store.apply([event(serial, true)], { users: users() });
      await store.apply([event(serial + 1, false)], { users: users() });
    }
    const grown = heap() - before;
    expect(store.userSize).toBe(1);
    expect(await store.user('alice')).toMatchObject({ online: false, lastSeen: T0 + 199_999 });
    expect(grown).toBeLessThan(1024 * 1024); // with the bug: ~7 MB (100,000 entries, ~70 B each)
  });
});
