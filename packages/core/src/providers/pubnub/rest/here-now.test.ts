import { describe, expect, it } from 'vitest';
import { hereNowMembers, pubnubErrorMessage } from './here-now.js';

describe('hereNowMembers', () => {
  it('reads the documented answer: uuids with state, stamped with the snapshot time, rank 0, a stable id', () => {
    const body = {
      status: 200,
      message: 'OK',
      occupancy: 2,
      uuids: [{ uuid: 'u1', state: { mood: 'ok' } }, { uuid: 'u2' }],
      service: 'Presence',
    };
    const members = hereNowMembers(body, 'room', 1000);
    expect(members?.complete).toBe(true);
    expect(members?.events).toEqual([
      {
        provider: 'pubnub',
        channel: 'room',
        memberKey: 'u1',
        present: true,
        member: { clientId: 'u1', timestamp: 1000, data: { mood: 'ok' } },
        order: { ts: 1000, serial: -1, index: -1, rank: 0, id: 'here-now:1000:u1' },
      },
      {
        provider: 'pubnub',
        channel: 'room',
        memberKey: 'u2',
        present: true,
        member: { clientId: 'u2', timestamp: 1000 },
        order: { ts: 1000, serial: -1, index: -1, rank: 0, id: 'here-now:1000:u2' },
      },
    ]);
  });

  it('accepts plain uuid strings and state sent as JSON text; drops duplicates', () => {
    const members = hereNowMembers({ occupancy: 2, uuids: ['a', { uuid: 'b', state: '{"x":1}' }, 'a'] }, 'r', 5);
    expect(members?.events.map((e) => [e.memberKey, e.member.data])).toEqual([
      ['a', undefined],
      ['b', { x: 1 }],
    ]);
    expect(members?.complete).toBe(true);
  });

  it('is incomplete when it counts more than it lists, or an entry names nobody', () => {
    expect(hereNowMembers({ occupancy: 3, uuids: ['a'] }, 'r', 5)?.complete).toBe(false);
    const bad = hereNowMembers({ occupancy: 1, uuids: [{ nope: 1 }] }, 'r', 5);
    expect(bad?.complete).toBe(false);
    expect(bad?.problems[0]?.message).toMatch(/no uuid/);
  });

  it('has no answer for another shape, and reads PubNub error bodies', () => {
    expect(hereNowMembers({ status: 200 }, 'r', 5)).toBeUndefined();
    expect(hereNowMembers(null, 'r', 5)).toBeUndefined();
    expect(pubnubErrorMessage({ status: 403, error: true, message: 'Forbidden', service: 'Access Manager' })).toBe('Forbidden');
  });
});
