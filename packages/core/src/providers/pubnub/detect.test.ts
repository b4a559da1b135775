import { describe, expect, it } from 'vitest';
import { pubnubClaimsBody } from './detect.js';

describe('PubNub detection', () => {
  it('claims by shape: legacy action + uuid / sub_key, E&A presence schemas (enveloped too), multipart with status', () => {
    const yes = [
      { kind: 'json' as const, value: { action: 'join', uuid: 'u', channel: 'c' } },
      { kind: 'json' as const, value: { action: 'interval', sub_key: 's', channel: 'c' } },
      { kind: 'json' as const, value: { schema: 'pubnub.com/schemas/events/presence.user.channel.left?v=1.0.0', data: [] } },
      { kind: 'json' as const, value: { dataSchema: 'pubnub.com/schemas/events/presence.user.channel.joined?v=1.0.0', data: [] } },
      {
        kind: 'json' as const,
        value: { event: { id: 'e', payload: { dataSchema: 'pubnub.com/schemas/events/presence.channel.state.active?v=1.0.0', data: [] } } },
      },
      { kind: 'multipart' as const, fields: { status: 'active' } },
    ];
    for (const body of yes) expect(pubnubClaimsBody(body), JSON.stringify(body)).toBe(true);
    const no = [
      { kind: 'json' as const, value: { items: [] } },
      { kind: 'json' as const, value: { source: 'channel.presence' } },
      { kind: 'json' as const, value: { action: 'join' } },
      { kind: 'json' as const, value: { dataSchema: 'pubnub.com/schemas/events/messages.pubsub.publish?v=1.0.0', data: [] } },
      { kind: 'json' as const, value: [1] },
      { kind: 'msgpack' as const, value: { action: 'join', uuid: 'u' } },
      { kind: 'multipart' as const, fields: { channel: 'c' } },
      { kind: 'text' as const, value: 'hello' },
    ];
    for (const body of no) expect(pubnubClaimsBody(body), JSON.stringify(body)).toBe(false);
  });
});
