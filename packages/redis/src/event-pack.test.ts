import { encodeMember, encodeValue } from '@presence-webhooks/core/store';
import { describe, expect, it } from 'vitest';
import { packArray } from './event-pack.js';

describe('packArray', () => {
  it("writes the bytes encodeValue writes for the same array (the feed's payloads: str, bin, nil, a member as is)", () => {
    const member = { clientId: 'c', connectionId: 'x', timestamp: 12.5, data: { list: [1, 'é'], bytes: new Uint8Array([1, 2]) } };
    // Each header size of str and bin: fixstr / 8 / 16 / 32 bits.
    for (const length of [0, 31, 32, 255, 256, 65_535, 65_536]) {
      const text = 'é'.repeat(length >> 1) + 'a'.repeat(length & 1);
      const bytes = new Uint8Array(length).fill(7);
      expect(packArray([text, bytes, null, { packed: encodeMember(member) }])).toEqual(
        Buffer.from(encodeValue([text, bytes, null, member])),
      );
    }
  });
});
