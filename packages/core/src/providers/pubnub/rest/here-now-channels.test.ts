import { describe, expect, it } from 'vitest';
import { hereNowChannels } from './here-now-channels.js';

describe('hereNowChannels', () => {
  it('reads payload.channels of the global and multi-channel answer', () => {
    const body = {
      status: 200,
      message: 'OK',
      payload: {
        total_channels: 2,
        total_occupancy: 3,
        channels: { 'a b': { occupancy: 1, uuids: ['u1'] }, 'c:d': { occupancy: 2, uuids: [{ uuid: 'u2', state: { x: 1 } }, 'u3'] } },
      },
      service: 'Presence',
    };
    const entries = hereNowChannels(body);
    expect([...(entries?.keys() ?? [])]).toEqual(['a b', 'c:d']);
    expect(entries?.get('a b')).toEqual({ occupancy: 1, uuids: ['u1'] });
  });

  it('reads an answer without channels as no channel listed, and the single-channel shape only when told the channel', () => {
    expect(hereNowChannels({ status: 200, payload: { total_channels: 0, total_occupancy: 0 } })?.size).toBe(0);
    expect(hereNowChannels({ status: 200, occupancy: 1, uuids: ['u1'] }, 'room')?.get('room')).toEqual({
      status: 200,
      occupancy: 1,
      uuids: ['u1'],
    });
    expect(hereNowChannels({ status: 200, occupancy: 1, uuids: ['u1'] })).toBeUndefined();
  });

  it('refuses other shapes, and keeps a channel named __proto__ as a channel', () => {
    expect(hereNowChannels({ payload: { channels: [] } })).toBeUndefined();
    expect(hereNowChannels('x')).toBeUndefined();
    const entries = hereNowChannels(JSON.parse('{"payload":{"channels":{"__proto__":{"occupancy":1,"uuids":["u"]}}}}'));
    expect(entries?.get('__proto__')).toEqual({ occupancy: 1, uuids: ['u'] });
  });
});
