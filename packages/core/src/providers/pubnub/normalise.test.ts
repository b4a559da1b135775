import { describe, expect, it } from 'vitest';
import { WebhookError } from '../../errors.js';
import type { DecodedBody } from '../../http/decode-body.js';
import { normalisePubNub } from './normalise.js';
import { kindOfSchema } from './schemas.js';
import { parseState } from './state.js';
import { eventTime, secondsToMs } from './time.js';

const json = (value: unknown): DecodedBody => ({ kind: 'json', value });
const legacy = (over: Record<string, unknown> = {}) =>
  json({
    action: 'join',
    sub_key: 'sub-c-1',
    channel: 'room',
    uuid: 'alice',
    timestamp: 1700000000,
    occupancy: 2,
    data: { mood: 'ok' },
    ...over,
  });
const JOINED = 'pubnub.com/schemas/events/presence.user.channel.joined?v=1.0.0';
const item = (over: Record<string, unknown> = {}) => ({
  id: 'e-1',
  channel: 'room',
  userId: 'alice',
  occupancy: 3,
  subKey: 'sub-c-1',
  data: { timestamp: '1700000000', precise_timestamp: 1700000000123 },
  ...over,
});

function shapeError(fn: () => unknown): WebhookError {
  try {
    fn();
  } catch (error) {
    if (error instanceof WebhookError) return error;
    throw error;
  }
  throw new Error('expected a WebhookError');
}

describe('legacy presence webhooks', () => {
  it('a join: uuid as clientId and memberKey, seconds to ms, rank 0, no serial, reported occupancy, state as data', () => {
    const out = normalisePubNub(legacy());
    expect(out.problems).toEqual([]);
    expect(out.presence).toHaveLength(1);
    const [event] = out.presence;
    expect(event).toMatchObject({
      provider: 'pubnub',
      channel: 'room',
      memberKey: 'alice',
      present: true,
      member: { clientId: 'alice', data: { mood: 'ok' }, timestamp: 1700000000000 },
      order: { ts: 1700000000000, serial: -1, index: -1, rank: 0 },
      reported: { occupancy: 2, timestamp: 1700000000000 },
    });
    expect(event?.member.connectionId).toBeUndefined();
    expect(event?.reason).toBeUndefined();
  });

  it('ranks: leave / timeout 2 > state-change 1 > join 0; reasons leave / timeout', () => {
    const of = (action: string) => normalisePubNub(legacy({ action })).presence[0];
    expect(of('join')?.order.rank).toBe(0);
    expect(of('state-change')).toMatchObject({ present: true, order: { rank: 1 } });
    expect(of('leave')).toMatchObject({ present: false, reason: 'leave', order: { rank: 2 } });
    expect(of('timeout')).toMatchObject({ present: false, reason: 'timeout', order: { rank: 2 } });
  });

  it('the id is a digest of the content: equal for a resend (any key order), different for another event', () => {
    const id = (body: DecodedBody) => normalisePubNub(body).presence[0]?.order.id;
    const a = legacy();
    const value = (a as { value: Record<string, unknown> }).value;
    const reordered = json(Object.fromEntries(Object.entries(value).reverse()));
    expect(id(a)).toMatch(/^pn-/);
    expect(id(reordered)).toBe(id(a));
    expect(id(legacy({ occupancy: 3 }))).not.toBe(id(a));
    expect(id(legacy({ data: { mood: 'away' } }))).not.toBe(id(a));
    expect(id(legacy({ action: 'leave' }))).not.toBe(id(a));
  });

  it('a state given as a JSON string is parsed; no data is no state', () => {
    expect(normalisePubNub(legacy({ data: '{"a":1}' })).presence[0]?.member.data).toEqual({ a: 1 });
    expect(normalisePubNub(legacy({ data: undefined })).presence[0]?.member).toEqual({ clientId: 'alice', timestamp: 1700000000000 });
  });

  it('interval: an occupancy event, nothing for the store', () => {
    const out = normalisePubNub(json({ action: 'interval', channel: 'room', timestamp: 1700000000, occupancy: 40 }));
    expect(out.presence).toEqual([]);
    expect(out.channel).toEqual([
      {
        name: 'occupancy',
        payload: { provider: 'pubnub', channel: 'room', timestamp: 1700000000000, occupancy: 40, metrics: { occupancy: 40 } },
      },
    ]);
  });

  it('missing or bad fields are a 400 unknown_shape (the body is the one event)', () => {
    for (const over of [
      { uuid: undefined },
      { uuid: '' },
      { channel: undefined },
      { timestamp: undefined },
      { timestamp: 'soon' },
      { timestamp: -5 },
      { action: 'wave' },
    ]) {
      const error = shapeError(() => normalisePubNub(legacy(over)));
      expect([error.status, error.code]).toEqual([400, 'unknown_shape']);
    }
  });
});

describe('multipart channel webhooks', () => {
  const fields = (over: Record<string, string> = {}): DecodedBody => ({
    kind: 'multipart',
    fields: { sub_key: 'sub-c-1', channel: 'room', status: 'active', timestamp: '1700000000', ...over },
  });

  it('active / inactive become channel events in ms', () => {
    expect(normalisePubNub(fields()).channel).toEqual([
      { name: 'channel.active', payload: { provider: 'pubnub', channel: 'room', timestamp: 1700000000000 } },
    ]);
    expect(normalisePubNub(fields({ status: 'inactive' })).channel[0]?.name).toBe('channel.inactive');
  });

  it('missing channel, timestamp or a status other than active / inactive: 400', () => {
    for (const over of [{ status: 'join' }, { channel: '' }, { timestamp: 'x' }] as Record<string, string>[]) {
      expect(shapeError(() => normalisePubNub(fields(over))).status).toBe(400);
    }
    expect(shapeError(() => normalisePubNub({ kind: 'multipart', fields: { status: 'active' } })).status).toBe(400);
  });
});

describe('Events & Actions', () => {
  it('precise_timestamp (ms) is preferred over timestamp (s); the E&A id is the order id', () => {
    const [event] = normalisePubNub(json({ schema: JOINED, data: [item()] })).presence;
    expect(event?.order).toEqual({ ts: 1700000000123, serial: -1, index: -1, rank: 0, id: 'e-1' });
    expect(event?.reported).toEqual({ occupancy: 3, timestamp: 1700000000123 });
  });

  it('without precise_timestamp: timestamp (s) x 1000; an ISO timestamp on the item (older examples) too', () => {
    const seconds = normalisePubNub(json({ schema: JOINED, data: [item({ data: { timestamp: '1700000001' } })] })).presence[0];
    expect(seconds?.order.ts).toBe(1700000001000);
    const isoItem = { id: 'x', channel: 'room', userId: 'bob', data: {}, timestamp: '1992-01-01T10:00:20.021Z' };
    expect(normalisePubNub(json({ schema: JOINED, data: [isoItem] })).presence[0]?.order.ts).toBe(Date.parse('1992-01-01T10:00:20.021Z'));
  });

  it('state: a JSON string is parsed; in the older form `data` itself is the state', () => {
    const nested = normalisePubNub(
      json({ schema: JOINED, data: [item({ data: { timestamp: '1700000000', state: '{"mood":"typing"}' } })] }),
    ).presence[0];
    expect(nested?.member.data).toEqual({ mood: 'typing' });
    const older = normalisePubNub(
      json({
        schema: JOINED,
        data: [{ id: 'y', channel: 'room', userId: 'bob', data: { mood: 'away' }, timestamp: '1992-01-01T10:00:20.021Z' }],
      }),
    ).presence[0];
    expect(older?.member.data).toEqual({ mood: 'away' });
  });

  it('dataSchema, a single item object, and the 2.x envelope are read alike', () => {
    const plain = normalisePubNub(json({ schema: JOINED, data: [item()] }));
    expect(normalisePubNub(json({ dataSchema: JOINED, data: item() }))).toEqual(plain);
    expect(
      normalisePubNub(json({ event: { id: 'env', payload: { dataSchema: JOINED, data: [item()] } }, eventsAndActionsMetadata: {} })),
    ).toEqual(plain);
  });

  it('every presence schema maps to its event kind', () => {
    const names: Record<string, string> = {
      'user.channel.joined': 'join',
      'user.channel.left': 'leave',
      'user.timedout.in.channel': 'timeout',
      'channel.user.state.in.changed': 'state-change',
      'channel.state.active': 'active',
      'channel.state.inactive': 'inactive',
      'channel.occupancy.counted': 'interval',
    };
    for (const [name, kind] of Object.entries(names)) expect(kindOfSchema(`pubnub.com/schemas/events/presence.${name}?v=1.0.0`)).toBe(kind);
    expect(kindOfSchema('https://pubnub.com/schemas/events/presence.user.channel.left?v=2.0.0')).toBe('leave');
    expect(kindOfSchema('pubnub.com/schemas/events/presence.user.channel.waved?v=1.0.0')).toBeUndefined();
    expect(kindOfSchema('pubnub.com/schemas/events/messages.pubsub.publish?v=1.0.0')).toBeUndefined();
  });

  it('channel schemas: active / inactive / occupancy.counted (string occupancy, deltas counted)', () => {
    const active = normalisePubNub(
      json({
        schema: 'pubnub.com/schemas/events/presence.channel.state.active?v=1.0.0',
        data: [{ id: 'a', channel: 'room', timestamp: '1992-01-01T10:00:20.021Z' }],
      }),
    );
    expect(active.channel).toEqual([
      { name: 'channel.active', payload: { provider: 'pubnub', channel: 'room', timestamp: Date.parse('1992-01-01T10:00:20.021Z') } },
    ]);
    const counted = normalisePubNub(
      json({
        schema: 'pubnub.com/schemas/events/presence.channel.occupancy.counted?v=1.0.0',
        data: [{ id: 'o', channel: 'room', occupancy: '3', timestamp: '1992-01-01T10:00:20.021Z', usersJoined: ['a', 'b'], usersLeft: [] }],
      }),
    );
    expect(counted.channel[0]).toMatchObject({
      name: 'occupancy',
      payload: { occupancy: 3, metrics: { occupancy: 3, joined: 2, left: 0 } },
    });
  });

  it('bad items are problems (ItemProblem invalid_item, with their index); the rest stands', () => {
    const out = normalisePubNub(
      json({ schema: JOINED, data: [item({ userId: undefined }), 7, item({ id: 'ok' }), item({ channel: '' }), item({ data: {} })] }),
    );
    expect(out.presence.map((e) => e.order.id)).toEqual(['ok']);
    expect(out.problems.map((p) => [p.name, p.code, p.details?.index])).toEqual([
      ['ItemProblem', 'invalid_item', 0],
      ['ItemProblem', 'invalid_item', 1],
      ['ItemProblem', 'invalid_item', 3],
      ['ItemProblem', 'invalid_item', 4],
    ]);
  });

  it('an item without id gets a digest of its content', () => {
    const noId = item({ id: undefined });
    const a = normalisePubNub(json({ schema: JOINED, data: [noId] })).presence[0]?.order.id;
    expect(a).toMatch(/^pn-/);
    expect(normalisePubNub(json({ schema: JOINED, data: [{ ...noId }] })).presence[0]?.order.id).toBe(a);
  });

  it('unknown schema, no schema, no data: 400 unknown_shape', () => {
    for (const body of [
      { schema: 'pubnub.com/schemas/events/presence.user.channel.waved?v=1.0.0', data: [] },
      { data: [item()] },
      { schema: JOINED },
      { schema: JOINED, data: 'x' },
    ]) {
      expect(shapeError(() => normalisePubNub(json(body))).code).toBe('unknown_shape');
    }
    expect(shapeError(() => normalisePubNub(json([1]))).code).toBe('unknown_shape');
  });
});

describe('helpers', () => {
  it('secondsToMs / eventTime', () => {
    expect(secondsToMs(1700000000)).toBe(1700000000000);
    expect(secondsToMs('1700000000')).toBe(1700000000000);
    expect(secondsToMs(1700000000.5)).toBe(1700000000500);
    expect(secondsToMs(1700000000123)).toBe(1700000000123); // already ms
    expect(secondsToMs('')).toBeUndefined();
    expect(secondsToMs(Number.NaN)).toBeUndefined();
    expect(eventTime('1700000000123', '1')).toBe(1700000000123);
    expect(eventTime(undefined, '2')).toBe(2000);
    expect(eventTime('bad', '2')).toBe(2000);
  });

  it('parseState never yields an own __proto__ and leaves Object.prototype alone', () => {
    const state = parseState('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    expect(state).toEqual({ a: 1 });
    expect(Object.hasOwn(state, '__proto__')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(parseState('not json')).toBe('not json');
    expect(parseState('')).toBeUndefined();
    expect(parseState(null)).toBeUndefined();
  });
});
