import { describe, expect, it } from 'vitest';
import { Timeline, TIMELINE_SECONDS } from './timeline.js';

describe('Timeline', () => {
  it('counts joins, leaves and rejections per second over the last 15 minutes', () => {
    let now = 1_765_000_000_000;
    const timeline = new Timeline(() => now);
    timeline.joined();
    timeline.joined();
    timeline.rejected();
    now += 1000;
    timeline.left();
    const snapshot = timeline.snapshot();
    expect(snapshot.end).toBe(Math.floor(now / 1000));
    expect(snapshot.joins).toHaveLength(TIMELINE_SECONDS);
    expect(snapshot.joins.slice(-2)).toEqual([2, 0]);
    expect(snapshot.leaves.slice(-2)).toEqual([0, 1]);
    expect(snapshot.rejections.slice(-2)).toEqual([1, 0]);
    expect(snapshot.online.every((n) => n === null)).toBe(true); // never read from the store yet
  });

  it('members online: the running total, drawn back in time from each second’s joins and leaves', () => {
    let now = 1_765_000_000_000;
    const timeline = new Timeline(() => now);
    timeline.setOnline(10);
    now += 1000;
    timeline.joined();
    timeline.joined();
    now += 1000;
    timeline.left();
    expect(timeline.snapshot().online.slice(-3)).toEqual([10, 12, 11]);
  });

  it('users online: its own running total, moved by user.online and user.offline only (not by member joins)', () => {
    let now = 1_765_000_000_000;
    const timeline = new Timeline(() => now);
    timeline.userOnline(); // before any read: unknown
    expect(timeline.snapshot().usersOnline.every((n) => n === null)).toBe(true);
    timeline.setUsersOnline(4);
    timeline.setOnline(9);
    now += 1000;
    timeline.userOnline();
    timeline.joined(); // a second tab of that user: a member, not a user
    timeline.joined();
    now += 1000;
    timeline.userOffline();
    timeline.left();
    const snapshot = timeline.snapshot();
    expect(snapshot.usersOnline.slice(-3)).toEqual([4, 5, 4]);
    expect(snapshot.online.slice(-3)).toEqual([9, 11, 10]);
  });

  it('forgets what is older than the window, in fixed memory', () => {
    let now = 1_765_000_000_000;
    const timeline = new Timeline(() => now);
    timeline.joined();
    now += TIMELINE_SECONDS * 1000;
    timeline.rejected(); // lands in the same slot of the ring, a window later
    const snapshot = timeline.snapshot();
    expect(snapshot.joins.reduce((a, b) => a + b, 0)).toBe(0);
    expect(snapshot.rejections.reduce((a, b) => a + b, 0)).toBe(1);
  });
});
