import { describe, expect, it } from 'vitest';
import { parseContentType } from '../../http/content-type.js';
import { decodeBody } from '../../http/decode-body.js';
import { normaliseAbly } from './normalise.js';

/** A batch of one presence item whose `json`-encoded data is `dataText`, as raw JSON bytes. */
function batch(dataText: string): Uint8Array {
  const message = { id: 'c1:0:0', clientId: 'u', connectionId: 'c1', action: 2, timestamp: 1, data: dataText, encoding: 'json' };
  const body = { items: [{ source: 'channel.presence', timestamp: 1, data: { channelId: 'room', presence: [message] } }] };
  return new TextEncoder().encode(JSON.stringify(body));
}

/** The same body with the first character of the data's `__proto__` written in the body text as `escape`. */
function escapedBatch(escape: string): Uint8Array {
  const text = new TextDecoder().decode(batch('{"__proto__":{"polluted":true},"ok":1}')).replace('__proto__', `${escape}_proto__`);
  return new TextEncoder().encode(text);
}

function dataOf(bytes: Uint8Array): Record<string, unknown> {
  const decoded = decodeBody(bytes, parseContentType('application/json'), 'Ably');
  const out = normaliseAbly(decoded, {}, bytes, () => undefined);
  expect(out.problems).toEqual([]);
  return out.presence[0]?.member.data as Record<string, unknown>;
}

describe('normaliseAbly: json data of a JSON body', () => {
  it('decodes data strings of a clean body', () => {
    expect(dataOf(batch('{"status":"online","name":"caf\\u00e9"}'))).toEqual({ status: 'online', name: 'café' });
  });

  it.each([
    ['plainly', batch('{"__proto__":{"polluted":true},"ok":1}')],
    // The body text holds `\\u005f`: the data string holds the escape `\u005f`.
    ['through an escaped backslash', escapedBatch('\\\\u005f')],
    // The body text holds `\u005cu005f`: the data string holds the escape `\u005f` too.
    ['through a \\u-escaped backslash', escapedBatch('\\u005cu005f')],
  ])('never yields an own __proto__ key spelled %s in a data string', (_how, bytes) => {
    const data = dataOf(bytes);
    expect(data.ok).toBe(1);
    expect(Object.hasOwn(data, '__proto__')).toBe(false);
    expect((Object.assign({}, data) as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('normaliseAbly: presence actions', () => {
  const normalised = (actions: unknown[]) => {
    const presence = actions.map((action, i) => ({ id: `c${i}:0:0`, clientId: `u${i}`, connectionId: `c${i}`, action, timestamp: 1 }));
    const bytes = new TextEncoder().encode(
      JSON.stringify({ items: [{ source: 'channel.presence', data: { channelId: 'room', presence } }] }),
    );
    return normaliseAbly(decodeBody(bytes, parseContentType('application/json'), 'Ably'), {}, bytes, () => undefined);
  };

  it('reads the number, or the name in any case (legacy webhooks)', () => {
    const out = normalised([2, 'ENTER', 'Update', 3, 'leave', 1]);
    expect(out.problems).toEqual([]);
    expect(out.presence.map((e) => e.present)).toEqual([true, true, true, false, false, true]);
  });

  it('refuses an unknown action as an item problem', () => {
    const out = normalised([5, 'joined', null, 1.5]);
    expect(out.presence).toEqual([]);
    expect(out.problems.map((p) => p.message)).toEqual([
      'Ably presence message on channel "room" has an unknown action 5',
      'Ably presence message on channel "room" has an unknown action "joined"',
      'Ably presence message on channel "room" has an unknown action null',
      'Ably presence message on channel "room" has an unknown action 1.5',
    ]);
  });
});
