import { describe, expect, it } from 'vitest';
import type { UserChange } from '../events.js';
import { UserLevels } from './user-levels.js';

describe('UserLevels: the offline users queue', () => {
  it('stays bounded by the users held when users go offline many times at one instant (one delivery, or deliveries within a millisecond)', () => {
    const levels = new UserLevels();
    const now = Date.now();
    const options = { graceMs: 0, lastSeenMs: 30 * 24 * 3600_000, now };
    const out: UserChange[] = [];
    for (let i = 0; i < 20_000; i++) {
      const userId = `user-${i % 100}`;
      levels.up(userId, `room-${i % 7}`, 'ably', now - 60_000 + i, out);
      levels.down(userId, `room-${i % 7}`, now - 59_000 + i, options, out);
    }
    expect(levels.size).toBe(100);
    expect(levels.count()).toBe(0);
    // Each user offline once per instant: one current entry each, plus at most the slack before a clean-up.
    expect((levels as unknown as { offline: { length: number } }).offline.length).toBeLessThanOrEqual(2 * 100 + 1024);
    expect(out.filter((c) => c.type === 'user.offline')).toHaveLength(20_000);
  });
});
