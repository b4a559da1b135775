import { describe, expect, it } from 'vitest';
import { pusherChannelCounts, pusherUsers } from './answers.js';

describe('Pusher REST answers', () => {
  it('users: each id present at the snapshot time, duplicates dropped, an entry without id makes it incomplete', () => {
    const users = pusherUsers({ users: [{ id: 'a' }, { id: 'b' }, { id: 'a' }] }, 'presence-x', 50);
    expect(users?.events.map((e) => [e.memberKey, e.member, e.order.ts, e.order.serial])).toEqual([
      ['a', { clientId: 'a', timestamp: 50 }, 50, -1],
      ['b', { clientId: 'b', timestamp: 50 }, 50, -1],
    ]);
    expect(users?.complete).toBe(true);
    const bad = pusherUsers({ users: [{ name: 'x' }] }, 'presence-x', 50);
    expect(bad?.complete).toBe(false);
    expect(bad?.problems[0]?.message).toMatch(/no "id"/);
    expect(pusherUsers({ channels: {} }, 'presence-x', 1)).toBeUndefined();
  });

  it('channels: name and user_count; entries without a count are left out', () => {
    expect(
      pusherChannelCounts({ channels: { 'presence-a': { user_count: 2 }, 'presence-b': {}, 'presence-c': { user_count: 0 } } }),
    ).toEqual([
      { channel: 'presence-a', userCount: 2 },
      { channel: 'presence-c', userCount: 0 },
    ]);
    expect(pusherChannelCounts({ users: [] })).toBeUndefined();
  });
});
