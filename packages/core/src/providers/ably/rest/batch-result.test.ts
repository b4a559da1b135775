import { describe, expect, it } from 'vitest';
import { ablyBatchItems, ablyChannelIds } from './batch-result.js';

const member = { id: 'c1:0:0', clientId: 'u1', connectionId: 'c1', action: 1, timestamp: 1 };

describe('ablyBatchItems', () => {
  it('reads the BatchResult shape, successes and failures', () => {
    const items = ablyBatchItems({
      successCount: 1,
      failureCount: 1,
      results: [
        { channel: 'a', presence: [member] },
        { channel: 'b', error: { message: 'Channel denied access', code: 40160, statusCode: 401 } },
      ],
    });
    expect(items?.get('a')).toEqual({ presence: [member] });
    expect(items?.get('b')).toEqual({ error: { message: 'Channel denied access (Ably error 40160)', status: 401 } });
  });

  it('reads a plain array of per-channel results', () => {
    const items = ablyBatchItems([
      { channel: 'room 1', presence: [] },
      { channel: 'x', error: { code: 50000 } },
    ]);
    expect(items?.get('room 1')).toEqual({ presence: [] });
    expect(items?.get('x')).toEqual({ error: { message: 'an error without a message' } });
  });

  it('skips nameless entries, makes an error of an entry with nothing, and refuses other shapes', () => {
    const items = ablyBatchItems([{ presence: [] }, 'junk', { channel: 'c' }]);
    expect([...(items?.keys() ?? [])]).toEqual(['c']);
    expect(items?.get('c')).toMatchObject({ error: { message: expect.stringMatching(/neither/) } });
    expect(ablyBatchItems({ presence: [] })).toBeUndefined();
    expect(ablyBatchItems(null)).toBeUndefined();
  });
});

describe('ablyChannelIds', () => {
  it('reads names, { channelId } and { name } entries and counts the rest', () => {
    expect(ablyChannelIds(['a', { channelId: 'b', status: {} }, { name: 'c' }, 7, { id: 'd' }, ''])).toEqual({
      ids: ['a', 'b', 'c'],
      invalid: 3,
    });
    expect(ablyChannelIds({ channels: [] })).toBeUndefined();
  });
});
