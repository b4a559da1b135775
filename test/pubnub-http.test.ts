/**
 * PubNub presence webhooks over real HTTP through Express (supertest): the documented payloads of
 * every kind (legacy JSON, multipart active / inactive, Events & Actions enveloped and not), the
 * shared secret, and the bad-input table.
 */
import { readFileSync } from 'node:fs';
import type { PresenceEventName, PresenceStore, Receiver, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/express';
import { multipartBody, pubnubEventItem, pubnubEventsRequest, pubnubLegacyRequest } from '@presence-webhooks/testing/builders';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { RECENT_MS, RECENT_S } from './helpers/recent.js';

const SECRET = 'pn-webhook-secret-1';
const BOUNDARY = '----PubNubPresenceBoundary7MA4YWxkTrZu0gW';
const JSON_TYPE = 'application/json';
const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/pubnub/${name}`, import.meta.url));
}

interface Harness {
  receiver: Receiver;
  app: express.Express;
  events: { name: PresenceEventName; payload: Record<string, unknown> }[];
  errors: Error[];
  warnings: string[];
}

/** An app shaped like examples/express: the webhook route first, the app's JSON routes after. */
function harness(options: Partial<ReceiverOptions> = {}): Harness {
  const warnings: string[] = [];
  // These tests replay recorded provider examples (the docs' 2015 and 1992 times, small fixed times):
  // maxEventAgeMs: Infinity is the documented way to apply events older than the horizon.
  const receiver = createReceiver({
    pubnub: { secret: SECRET },
    maxEventAgeMs: Infinity,
    logger: { warn: (m) => warnings.push(m) },
    ...options,
  });
  const events: Harness['events'] = [];
  for (const name of ['join', 'update', 'leave', 'channel.active', 'channel.inactive', 'occupancy'] as const) {
    receiver.on(name, (payload) => void events.push({ name, payload: payload as unknown as Record<string, unknown> }));
  }
  const errors: Error[] = [];
  receiver.onError((error) => errors.push(error));
  const app = express();
  app.use('/webhooks', presenceWebhooks(receiver));
  app.use(express.json());
  app.get('/channels/:channel/members', async (req, res) => {
    res.json(await receiver.store.members(req.params.channel));
  });
  return { receiver, app, events, errors, warnings };
}

interface PostOptions {
  secret?: string | null;
  header?: string;
  query?: boolean;
}

function post(h: Harness, body: Uint8Array | string, contentType: string, options: PostOptions = {}) {
  const secret = options.secret === undefined ? SECRET : options.secret;
  const path = options.query === true && secret !== null ? `/webhooks?secret=${encodeURIComponent(secret)}` : '/webhooks';
  let req = request(h.app).post(path).set('content-type', contentType);
  if (secret !== null && options.query !== true) req = req.set(options.header ?? 'x-webhook-secret', secret);
  // superagent serialises a Buffer as JSON when the type is JSON: send JSON as text, the rest as bytes.
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  return req.send(contentType.includes('json') ? bytes.toString('utf8') : bytes);
}

async function accepted(h: Harness, body: Uint8Array | string, contentType = JSON_TYPE, options: PostOptions = {}) {
  const res = await post(h, body, contentType, options);
  expect(res.status, res.text).toBe(200);
  expect(res.body).toMatchObject({ ok: true });
  await h.receiver.idle();
  return res;
}

async function members(h: Harness, channel: string): Promise<unknown> {
  const res = await request(h.app).get(`/channels/${encodeURIComponent(channel)}/members`);
  expect(res.status).toBe(200);
  return res.body;
}

async function snapshot(store: PresenceStore): Promise<unknown> {
  const channels = await store.channels();
  return Promise.all(channels.map(async (c) => ({ c, members: await store.members(c), reported: await store.reportedOccupancy(c) })));
}

const iso = (text: string) => Date.parse(text);

describe('PubNub legacy presence webhooks (JSON)', () => {
  it('the documented join (fixed JSON): a member with uuid as clientId, no connectionId, the state as data', async () => {
    const h = harness();
    const res = await accepted(h, fixture('legacy-join.json'));
    expect(res.body).toEqual({ ok: true, events: 1, rejected: 0 });
    expect(await members(h, 'lacrosse')).toEqual([{ clientId: '1234-5678-90ab-cdef', data: { foo: 'bar' }, timestamp: 1440568311000 }]);
    expect(h.events).toEqual([
      {
        name: 'join',
        payload: {
          provider: 'pubnub',
          channel: 'lacrosse',
          member: { clientId: '1234-5678-90ab-cdef', data: { foo: 'bar' }, timestamp: 1440568311000 },
          data: { foo: 'bar' },
          timestamp: 1440568311000,
        },
      },
    ]);
    expect(await h.receiver.store.reportedOccupancy('lacrosse')).toEqual({ occupancy: 1, timestamp: 1440568311000 });
  });

  it('join, state-change, leave; a timeout of a member never seen changes nothing visible', async () => {
    const h = harness();
    await accepted(h, fixture('legacy-join.json'));
    await accepted(h, fixture('legacy-state-change.json'));
    expect(await members(h, 'lacrosse')).toEqual([
      { clientId: '1234-5678-90ab-cdef', data: { foo: 'baz', position: 'goalie' }, timestamp: 1440568341000 },
    ]);
    await accepted(h, fixture('legacy-timeout.json'));
    await accepted(h, fixture('legacy-leave.json'));
    expect(await members(h, 'lacrosse')).toEqual([]);
    expect(h.events.map((e) => [e.name, e.payload.reason])).toEqual([
      ['join', undefined],
      ['update', undefined],
      ['leave', 'leave'],
    ]);
    expect(await h.receiver.store.reportedOccupancy('lacrosse')).toEqual({ occupancy: 0, timestamp: 1440568611000 });
  });

  it('a resend (identical body, PubNub retries after 5 s) is a duplicate: 200, no event, nothing changes', async () => {
    const h = harness();
    await accepted(h, fixture('legacy-join.json'));
    const before = await snapshot(h.receiver.store);
    await accepted(h, fixture('legacy-join.json'));
    // the same event re-serialised with other key order and spacing is the same event too
    const reordered = JSON.stringify(
      Object.fromEntries(Object.entries(JSON.parse(fixture('legacy-join.json').toString()) as object).reverse()),
    );
    await accepted(h, reordered);
    expect(await snapshot(h.receiver.store)).toEqual(before);
    expect(h.events.map((e) => e.name)).toEqual(['join']);
  });

  it('a leave that arrives before its join wins (the join is stale); a timeout has reason "timeout"', async () => {
    const h = harness();
    await accepted(h, fixture('legacy-leave.json'));
    await accepted(h, fixture('legacy-join.json'));
    expect(await members(h, 'lacrosse')).toEqual([]);
    expect(h.events).toEqual([]);
    const join = pubnubLegacyRequest({ action: 'join', channel: 'c', uuid: 'u', timestamp: 100, occupancy: 1 });
    const timeout = pubnubLegacyRequest({ action: 'timeout', channel: 'c', uuid: 'u', timestamp: 400, occupancy: 0 });
    await accepted(h, join.body);
    await accepted(h, timeout.body);
    expect(h.events.map((e) => [e.name, e.payload.reason])).toEqual([
      ['join', undefined],
      ['leave', 'timeout'],
    ]);
  });

  it('same-second ties follow the rank: leave / timeout beat state-change beat join', async () => {
    const h = harness();
    const at = (action: 'join' | 'leave' | 'state-change', data?: unknown) =>
      pubnubLegacyRequest({ action, channel: 'tie', uuid: 'u', timestamp: 1000, occupancy: 1, data }).body;
    await accepted(h, at('state-change', { s: 2 }));
    await accepted(h, at('join', { s: 1 }));
    expect(await members(h, 'tie')).toEqual([{ clientId: 'u', data: { s: 2 }, timestamp: 1_000_000 }]);
    await accepted(h, at('leave'));
    await accepted(h, at('join', { s: 1 }));
    expect(await members(h, 'tie')).toEqual([]);
  });
});

describe('PubNub channel active / inactive (multipart/form-data)', () => {
  it('emits channel.active and channel.inactive and leaves the store alone', async () => {
    const h = harness();
    const res = await accepted(h, fixture('channel-active.multipart'), MULTIPART_TYPE);
    expect(res.body).toEqual({ ok: true, events: 1, rejected: 0 });
    await accepted(h, fixture('channel-inactive.multipart'), MULTIPART_TYPE);
    expect(h.events).toEqual([
      { name: 'channel.active', payload: { provider: 'pubnub', channel: 'lacrosse', timestamp: 1440568311000 } },
      { name: 'channel.inactive', payload: { provider: 'pubnub', channel: 'lacrosse', timestamp: 1440568371000 } },
    ]);
    expect(await h.receiver.store.channels()).toEqual([]);
  });

  it('the secret in the ?secret= query parameter works as well as the header', async () => {
    const h = harness();
    await accepted(h, fixture('channel-active.multipart'), MULTIPART_TYPE, { query: true });
    await accepted(h, fixture('legacy-join.json'), JSON_TYPE, { query: true });
    expect(h.events.map((e) => e.name)).toEqual(['channel.active', 'join']);
  });
});

describe('PubNub Events & Actions', () => {
  it('the documented examples (ISO timestamps, data as the state): join, state change, leave, timeout, active, inactive, occupancy', async () => {
    const h = harness();
    await accepted(h, fixture('ena-active.json'));
    await accepted(h, fixture('ena-joined.json'));
    await accepted(h, fixture('ena-state-changed.json'));
    expect(await members(h, 'CHANNEL-NAME')).toEqual([
      { clientId: '5934fbc6-bf06b3c3b365', data: { mood: 'typing' }, timestamp: iso('1992-01-01T10:00:22.021Z') },
    ]);
    await accepted(h, fixture('ena-occupancy-counted.json'));
    await accepted(h, fixture('ena-left.json'));
    await accepted(h, fixture('ena-timedout.json'));
    await accepted(h, fixture('ena-inactive.json'));
    expect(await members(h, 'CHANNEL-NAME')).toEqual([]);
    expect(h.events.map((e) => e.name)).toEqual(['channel.active', 'join', 'update', 'occupancy', 'leave', 'channel.inactive']);
    expect(h.events[1]?.payload.data).toEqual({});
    expect(h.events[3]?.payload).toEqual({
      provider: 'pubnub',
      channel: 'CHANNEL-NAME',
      timestamp: iso('1992-01-01T10:00:30.021Z'),
      occupancy: 3,
      metrics: { joined: 2, left: 1, occupancy: 3 },
    });
    expect(h.events[4]?.payload.reason).toBe('leave');
    expect(h.errors).toEqual([]);
  });

  it('nested data: precise_timestamp (ms) preferred, state parsed from its JSON string; enveloped and single-item bodies', async () => {
    const h = harness();
    const res = await accepted(h, fixture('ena-joined-v2.json'));
    expect(res.body).toEqual({ ok: true, events: 2, rejected: 0 });
    expect(await members(h, 'room-1')).toEqual([
      { clientId: 'alice', data: { mood: 'online', device: 'web' }, timestamp: 1749128400123 },
      { clientId: 'bob', timestamp: 1749128401456 },
    ]);
    await accepted(h, fixture('ena-state-changed-v2-enveloped.json'));
    await accepted(h, fixture('ena-left-v2-enveloped.json'));
    expect(await members(h, 'room-1')).toEqual([{ clientId: 'alice', data: { mood: 'typing', device: 'web' }, timestamp: 1749128402789 }]);
    expect(h.events.map((e) => [e.name, (e.payload.member as { clientId: string }).clientId])).toEqual([
      ['join', 'alice'],
      ['join', 'bob'],
      ['update', 'alice'],
      ['leave', 'bob'],
    ]);
    expect(await h.receiver.store.reportedOccupancy('room-1')).toEqual({ occupancy: 1, timestamp: 1749128403000 });
  });

  it('without precise_timestamp, timestamp (s) x 1000 orders the events', async () => {
    const h = harness();
    const item = pubnubEventItem({
      id: 'e1',
      channel: 'c',
      userId: 'u',
      timestampMs: RECENT_MS + 999,
      secondsOnly: true,
      state: { a: 1 },
    });
    await accepted(h, pubnubEventsRequest('join', [item]).body);
    expect(await members(h, 'c')).toEqual([{ clientId: 'u', data: { a: 1 }, timestamp: RECENT_MS }]);
  });

  it('the E&A id is the dedupe key: a resent batch changes nothing and emits nothing', async () => {
    const h = harness();
    const join = pubnubEventsRequest(
      'join',
      [pubnubEventItem({ id: 'same-id', channel: 'c', userId: 'u', timestampMs: 5000, occupancy: 1 })],
      { enveloped: true },
    );
    await accepted(h, join.body);
    const before = await snapshot(h.receiver.store);
    await accepted(h, join.body);
    expect(await snapshot(h.receiver.store)).toEqual(before);
    expect(h.events.map((e) => e.name)).toEqual(['join']);
  });

  it('a state-change for a member not present is a join', async () => {
    const h = harness();
    await accepted(
      h,
      pubnubEventsRequest('state-change', [pubnubEventItem({ id: 's1', channel: 'c', userId: 'u', timestampMs: 5000, state: { x: 1 } })])
        .body,
    );
    expect(h.events.map((e) => e.name)).toEqual(['join']);
  });

  it('one malformed item in a batch: 200, the valid items applied, the bad one reported to onError', async () => {
    const h = harness();
    const good = pubnubEventItem({ id: 'g1', channel: 'c', userId: 'good', timestampMs: 5000 });
    const noUser = pubnubEventItem({ id: 'b1', channel: 'c', timestampMs: 5000 });
    const noTime = { id: 'b2', channel: 'c', userId: 'late', data: {} };
    const res = await accepted(h, pubnubEventsRequest('join', [noUser, good, noTime, 'junk' as unknown as Record<string, unknown>]).body);
    expect(res.body).toEqual({ ok: true, events: 1, rejected: 3 });
    expect(await members(h, 'c')).toEqual([{ clientId: 'good', timestamp: 5000 }]);
    expect(h.errors.map((e) => (e as Error & { code?: string }).code)).toEqual(['invalid_item', 'invalid_item', 'invalid_item']);
  });
});

describe('PubNub bad input: the answer of the table, a JSON error, nothing applied', () => {
  const legacyJoin = (over: Record<string, unknown> = {}) =>
    JSON.stringify({ action: 'join', sub_key: 'sub-c-1', channel: 'c', uuid: 'u2', timestamp: RECENT_S + 100, occupancy: 2, ...over });
  const multipart = (fields: [string, string][], boundary = BOUNDARY) => multipartBody(fields, boundary);
  const activeFields: [string, string][] = [
    ['sub_key', 'sub-c-1'],
    ['channel', 'c'],
    ['status', 'active'],
    ['timestamp', String(RECENT_S + 100)],
  ];

  const cases: { name: string; body: Uint8Array | string; type?: string; options?: PostOptions; status: number; code: string }[] = [
    { name: 'malformed JSON', body: '{"action": "join", "uuid": ', status: 400, code: 'invalid_body' },
    { name: 'JSON that is not an object', body: '[1, 2]', status: 400, code: 'unknown_shape' },
    {
      name: 'unknown E&A presence schema',
      body: JSON.stringify({ schema: 'pubnub.com/schemas/events/presence.user.channel.teleported?v=1.0.0', data: [] }),
      status: 400,
      code: 'unknown_shape',
    },
    {
      name: 'a non-presence E&A schema',
      body: JSON.stringify({ dataSchema: 'pubnub.com/schemas/events/messages.pubsub.publish?v=1.0.0', data: [] }),
      status: 400,
      code: 'unknown_shape',
    },
    {
      name: 'E&A without data',
      body: JSON.stringify({ schema: 'pubnub.com/schemas/events/presence.user.channel.joined?v=1.0.0' }),
      status: 400,
      code: 'unknown_shape',
    },
    { name: 'legacy without uuid', body: legacyJoin({ uuid: undefined }), status: 400, code: 'unknown_shape' },
    { name: 'legacy without timestamp', body: legacyJoin({ timestamp: undefined }), status: 400, code: 'unknown_shape' },
    { name: 'legacy with a non-numeric timestamp', body: legacyJoin({ timestamp: 'yesterday' }), status: 400, code: 'unknown_shape' },
    { name: 'legacy without channel', body: legacyJoin({ channel: '' }), status: 400, code: 'unknown_shape' },
    { name: 'legacy with an unknown action', body: legacyJoin({ action: 'teleport' }), status: 400, code: 'unknown_shape' },
    {
      name: 'multipart with a wrong boundary',
      body: multipart(activeFields, 'some-other-boundary'),
      type: MULTIPART_TYPE,
      status: 400,
      code: 'invalid_body',
    },
    {
      name: 'multipart without a boundary parameter',
      body: multipart(activeFields),
      type: 'multipart/form-data',
      status: 400,
      code: 'invalid_body',
    },
    {
      name: 'multipart cut short',
      body: multipart(activeFields).subarray(0, 120),
      type: MULTIPART_TYPE,
      status: 400,
      code: 'invalid_body',
    },
    {
      name: 'multipart with an oversized part',
      body: multipart([...activeFields, ['channel', 'x'.repeat(5000)]]),
      type: MULTIPART_TYPE,
      status: 400,
      code: 'invalid_body',
    },
    {
      name: 'multipart with too many parts',
      body: multipart([...activeFields, ...Array.from({ length: 20 }, (_, i): [string, string] => [`f${i}`, 'v'])]),
      type: MULTIPART_TYPE,
      status: 400,
      code: 'invalid_body',
    },
    {
      name: 'multipart with a file part',
      body: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="status"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nactive\r\n--${BOUNDARY}--\r\n`,
      type: MULTIPART_TYPE,
      status: 400,
      code: 'invalid_body',
    },
    {
      name: 'multipart without status',
      body: multipart(activeFields.filter(([n]) => n !== 'status')),
      type: MULTIPART_TYPE,
      status: 400,
      code: 'unknown_shape',
    },
    {
      name: 'multipart without channel',
      body: multipart(activeFields.filter(([n]) => n !== 'channel')),
      type: MULTIPART_TYPE,
      status: 400,
      code: 'unknown_shape',
    },
    {
      name: 'multipart without timestamp',
      body: multipart(activeFields.filter(([n]) => n !== 'timestamp')),
      type: MULTIPART_TYPE,
      status: 400,
      code: 'unknown_shape',
    },
    {
      name: 'multipart with an unknown status',
      body: multipart(activeFields.map(([n, v]): [string, string] => [n, n === 'status' ? 'busy' : v])),
      type: MULTIPART_TYPE,
      status: 400,
      code: 'unknown_shape',
    },
    { name: 'wrong secret in the header', body: legacyJoin(), options: { secret: 'not-the-secret' }, status: 401, code: 'unauthorized' },
    {
      name: 'wrong secret in the query',
      body: legacyJoin(),
      options: { secret: 'not-the-secret', query: true },
      status: 401,
      code: 'unauthorized',
    },
    { name: 'no secret at all', body: legacyJoin(), options: { secret: null }, status: 401, code: 'unauthorized' },
    {
      name: 'no secret, multipart',
      body: multipart(activeFields),
      type: MULTIPART_TYPE,
      options: { secret: null },
      status: 401,
      code: 'unauthorized',
    },
    {
      name: 'wrong secret on a malformed multipart body (checked before parsing)',
      body: 'garbage',
      type: MULTIPART_TYPE,
      options: { secret: 'nope' },
      status: 401,
      code: 'unauthorized',
    },
    { name: 'unsupported content type', body: legacyJoin(), type: 'application/xml', status: 415, code: 'unsupported_media_type' },
  ];

  for (const c of cases) {
    it(`${c.name} -> ${c.status} ${c.code}`, async () => {
      const h = harness();
      await accepted(h, legacyJoin({ uuid: 'u1', timestamp: RECENT_S }));
      const before = await snapshot(h.receiver.store);
      const eventsBefore = h.events.length;
      const res = await post(h, c.body, c.type ?? JSON_TYPE, c.options);
      expect(res.status, res.text).toBe(c.status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ error: { code: c.code, message: expect.any(String) } });
      expect(res.text).not.toMatch(/\n\s+at /); // no stack trace
      await h.receiver.idle();
      expect(await snapshot(h.receiver.store)).toEqual(before);
      expect(h.events.length).toBe(eventsBefore);
    });
  }

  it('a body over the limit -> 413; GET -> 405 with Allow: POST', async () => {
    const h = harness({ bodyLimit: 256 });
    const big = await post(h, legacyJoin({ data: { pad: 'x'.repeat(1000) } }), JSON_TYPE);
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: { code: 'payload_too_large' } });
    const get = await request(h.app).get('/webhooks');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(await h.receiver.store.channels()).toEqual([]);
  });
});

describe('PubNub configuration', () => {
  it('no secret and no insecure: createReceiver throws a TypeError that says what to do', () => {
    expect(() => createReceiver({ pubnub: {} })).toThrow(TypeError);
    expect(() => createReceiver({ pubnub: {} })).toThrow(/secret.*insecure: true/);
    expect(() => createReceiver({ pubnub: { secret: '' } })).toThrow(/non-empty/);
  });

  it('insecure: true accepts requests without a secret and warns once', async () => {
    const h = harness({ pubnub: { insecure: true } });
    expect(h.warnings).toHaveLength(1);
    expect(h.warnings[0]).toMatch(/pubnub\.insecure/);
    await accepted(h, fixture('legacy-join.json'), JSON_TYPE, { secret: null });
    await accepted(h, fixture('channel-active.multipart'), MULTIPART_TYPE, { secret: null });
    expect(h.events.map((e) => e.name)).toEqual(['join', 'channel.active']);
    expect(h.warnings).toHaveLength(1);
  });

  it('a custom secret header', async () => {
    const h = harness({ pubnub: { secret: SECRET, secretHeader: 'X-PubNub-Token' } });
    await accepted(h, fixture('legacy-join.json'), JSON_TYPE, { header: 'x-pubnub-token' });
    const wrongHeader = await post(h, fixture('legacy-join.json'), JSON_TYPE, { header: 'x-webhook-secret' });
    expect(wrongHeader.status).toBe(401);
  });

  it('with Ably sharing the secret header, PubNub requests are told apart by their shape', async () => {
    const h = harness({ ably: { secret: 'ably-secret' }, pubnub: { secret: SECRET } });
    await accepted(h, fixture('legacy-join.json'));
    await accepted(h, fixture('channel-active.multipart'), MULTIPART_TYPE);
    await accepted(h, fixture('ena-joined-v2.json'));
    expect((await post(h, fixture('legacy-join.json'), JSON_TYPE, { secret: 'ably-secret' })).status).toBe(401);
    expect(h.events.map((e) => e.name)).toEqual(['join', 'channel.active', 'join', 'join']);
  });
});
