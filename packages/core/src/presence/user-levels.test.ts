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

/** A naive model of the levels (grace 0): member counts per user and channel. */
function modelStep(counts: Map<string, Map<string, number>>, userId: string, channel: string, delta: 1 | -1): string[] {
  const channels = counts.get(userId) ?? new Map<string, number>();
  counts.set(userId, channels);
  const total = (): number => [...channels.values()].reduce((a, b) => a + b, 0);
  const before = channels.get(channel) ?? 0;
  const wasOnline = total() > 0;
  if (before + delta === 0) channels.delete(channel);
  else channels.set(channel, before + delta);
  const events: string[] = [];
  if (before === 0) events.push('user.join');
  if (before + delta === 0) events.push('user.leave');
  if (!wasOnline) events.push('user.online');
  if (wasOnline && total() === 0) events.push('user.offline');
  return events;
}

describe('UserLevels: a user in several channels (the first held in the record, the others beside it)', () => {
  it('matches a naive model of the levels over random joins and leaves across channels', () => {
    let seed = 7;
    const random = (n: number): number => (((seed = (seed * 48271) % 2147483647) % n) + n) % n;
    const levels = new UserLevels();
    const counts = new Map<string, Map<string, number>>();
    const present: [string, string][] = [];
    const now = Date.now();
    const options = { graceMs: 0, lastSeenMs: 30 * 24 * 3600_000, now };
    for (let step = 0; step < 5000; step++) {
      const out: UserChange[] = [];
      let expected: string[];
      if (present.length > 0 && random(2) === 0) {
        const [userId, channel] = present.splice(random(present.length), 1)[0] as [string, string];
        levels.down(userId, channel, now - 10_000 + step, options, out);
        expected = modelStep(counts, userId, channel, -1);
      } else {
        const userId = `user-${random(3)}`;
        const channel = `room-${random(4)}`;
        present.push([userId, channel]);
        levels.up(userId, channel, 'ably', now - 10_000 + step, out);
        expected = modelStep(counts, userId, channel, 1);
      }
      expect(out.map((c) => c.type).sort()).toEqual(expected.sort());
      for (const [userId, channels] of counts) {
        const user = levels.user(userId);
        expect(user?.channels).toEqual([...channels.keys()].sort());
        expect(user?.members).toBe([...channels.values()].reduce((a, b) => a + b, 0));
      }
      for (let c = 0; c < 4; c++) {
        const inChannel = [...counts].filter(([, channels]) => channels.has(`room-${c}`)).map(([userId]) => userId);
        const members = present.filter(([, channel]) => channel === `room-${c}`).map(([userId]) => ({ userId }));
        expect(levels.users(`room-${c}`, members)).toEqual(inChannel.sort());
      }
    }
  });
});

describe("UserLevels: a channel's users with a grace window", () => {
  it('lists a user pending in one channel while present in another, until the window ends or they come back', () => {
    const levels = new UserLevels();
    const now = Date.now();
    const options = (at: number) => ({ graceMs: 5000, lastSeenMs: 30 * 24 * 3600_000, now: at });
    const out: UserChange[] = [];
    levels.up('ann', 'room-a', 'ably', now - 60_000, out);
    levels.up('ann', 'room-b', 'ably', now - 59_000, out);
    const ann = [{ userId: 'ann' }];
    levels.down('ann', 'room-a', now - 58_000, options(now), out); // pending in room-a, present in room-b
    expect([levels.users('room-a', []), levels.users('room-b', ann)]).toEqual([['ann'], ['ann']]);
    levels.up('ann', 'room-a', 'ably', now - 57_000, out); // back within the window
    expect(levels.users('room-a', ann)).toEqual(['ann']);
    levels.down('ann', 'room-a', now - 56_000, options(now + 10), out);
    const closed: UserChange[] = [];
    levels.expire(options(now + 10 + 5000), closed);
    expect(closed.map((c) => c.type)).toEqual(['user.leave']);
    expect([levels.users('room-a', []), levels.users('room-b', ann)]).toEqual([[], ['ann']]);
    // A member without a level there (it joined without user levels) does not list its user.
    expect(levels.users('room-a', ann)).toEqual([]);
  });
});
