/**
 * Every builder of @presence-webhooks/testing, round-tripped through a real receiver: once with
 * receiver.handle and once over real HTTP through Express. Each kind must be accepted and leave the
 * expected set; each signature must be the HMAC Ably would send; one changed byte must be refused.
 */
import { createHmac } from 'node:crypto';
import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import type { BuiltRequest, RawAblyPresence } from '@presence-webhooks/testing/builders';
import {
  ABLY_ACTION,
  ablyBatchRequest,
  ablyEnvelopedPresence,
  ablyKeyName,
  ablyLegacyRequest,
  ablyNonEnvelopedPresence,
  ablyPresenceItem,
  pubnubChannelStatusRequest,
  pubnubEventItem,
  pubnubEventsRequest,
  pubnubLegacyRequest,
  signAbly,
} from '@presence-webhooks/testing/builders';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExpress, type RunningServer } from './helpers/express-server.js';
import { snapshot } from './helpers/store-snapshot.js';
import { RECENT_MS } from './helpers/recent.js';

const KEY = 'builderApp.builderKey:builder-key-secret';
const ABLY_SECRET = 'ably-single-request-secret';
const PUBNUB_SECRET = 'pubnub-builder-secret';
const OPTIONS: ReceiverOptions = {
  ably: { keys: [KEY], secret: ABLY_SECRET },
  pubnub: { secret: PUBNUB_SECRET, secretHeader: 'x-pn-secret' },
};
const T0 = RECENT_MS;

type Transport = (request: BuiltRequest) => Promise<{ status: number; body: unknown }>;

let serial = 0;
function presence(clientId: string, action: number, data?: unknown, encoding?: string): RawAblyPresence {
  const connectionId = `bconn-${clientId}`;
  serial += 1;
  const message: RawAblyPresence = { id: `${connectionId}:${serial}:0`, clientId, connectionId, action, timestamp: T0 + serial };
  if (data !== undefined) message.data = data;
  if (encoding !== undefined) message.encoding = encoding;
  return message;
}

/** One delivery kind: the requests to send, and the members (clientId -> data) each channel must then hold. */
interface Kind {
  name: string;
  requests(): BuiltRequest[];
  expected: Record<string, Record<string, unknown>>;
  channelEvents?: string[];
  /** Signed with KEY: the signature must be Ably's HMAC and a changed byte must be refused. */
  signed?: boolean;
}

const ablyBatch = (format: 'json' | 'msgpack'): Kind => ({
  name: `Ably batched ${format}, signed`,
  signed: true,
  requests: () => {
    const alice = presence('alice', ABLY_ACTION.enter, JSON.stringify({ mood: 'ok' }), 'json');
    const bob = presence('bob', ABLY_ACTION.enter, 'hi');
    const aliceUpdate = { ...presence('alice', ABLY_ACTION.update, 'YnVzeQ==', 'utf-8/base64'), connectionId: alice.connectionId };
    const bobLeave = presence('bob', ABLY_ACTION.leave);
    return [
      ablyBatchRequest([ablyPresenceItem(`b-${format}`, [alice, bob]), ablyPresenceItem(`b-${format}`, [aliceUpdate, bobLeave])], {
        key: KEY,
        format,
      }),
    ];
  },
  expected: { [`b-${format}`]: { alice: 'busy' } },
});

const ablyEnveloped = (format: 'json' | 'msgpack'): Kind => ({
  name: `Ably enveloped ${format}: signed, with the secret header, with ?secret=`,
  requests: () => [
    ablyEnvelopedPresence(`e-${format}`, [presence('carol', ABLY_ACTION.enter, { n: 1 })], { key: KEY, format }),
    ablyEnvelopedPresence(`e-${format}`, [presence('dave', ABLY_ACTION.enter)], { secret: ABLY_SECRET, format }),
    ablyEnvelopedPresence(`e-${format}`, [presence('erin', ABLY_ACTION.present, 'x')], { secret: ABLY_SECRET, secretIn: 'query', format }),
  ],
  expected: { [`e-${format}`]: { carol: { n: 1 }, dave: undefined, erin: 'x' } },
});

const KINDS: Kind[] = [
  ablyBatch('json'),
  ablyBatch('msgpack'),
  ablyEnveloped('json'),
  ablyEnveloped('msgpack'),
  {
    name: 'Ably enveloped, signed (tamper check)',
    signed: true,
    requests: () => [ablyEnvelopedPresence('e-signed', [presence('fay', ABLY_ACTION.enter, 'here')], { key: KEY })],
    expected: { 'e-signed': { fay: 'here' } },
  },
  {
    name: 'Ably non-enveloped: text, JSON and binary data; secret header and signed',
    requests: () => [
      ablyNonEnvelopedPresence('ne', presence('gil', ABLY_ACTION.enter, 'plain text'), { secret: ABLY_SECRET }),
      ablyNonEnvelopedPresence('ne', presence('hal', ABLY_ACTION.enter, { status: 'away' }), { key: KEY }),
      ablyNonEnvelopedPresence('ne', presence('ida', ABLY_ACTION.enter, Uint8Array.from([1, 2, 3])), {
        secret: ABLY_SECRET,
        secretIn: 'query',
      }),
    ],
    expected: { ne: { gil: 'plain text', hal: { status: 'away' }, ida: Uint8Array.from([1, 2, 3]) } },
  },
  {
    name: 'Ably non-enveloped, signed (tamper check)',
    signed: true,
    requests: () => [ablyNonEnvelopedPresence('ne-signed', presence('jo', ABLY_ACTION.enter, 'signed text'), { key: KEY })],
    expected: { 'ne-signed': { jo: 'signed text' } },
  },
  ...(['json', 'msgpack'] as const).map((format): Kind => ({
    name: `Ably legacy 0.8 ${format}, signed`,
    signed: true,
    requests: () => {
      const kim = presence('kim', ABLY_ACTION.enter, 'first');
      return [
        ablyLegacyRequest(`l-${format}`, kim, { key: KEY, format }),
        ablyLegacyRequest(`l-${format}`, { ...presence('kim', ABLY_ACTION.update, 'second') }, { key: KEY, format }),
      ];
    },
    expected: { [`l-${format}`]: { kim: 'second' } },
  })),
  {
    name: 'PubNub legacy JSON: join, state-change, leave, timeout (secret in a custom header and in ?secret=)',
    requests: () => [
      pubnubLegacyRequest(
        { action: 'join', channel: 'pn-legacy', uuid: 'lee', timestamp: T0 / 1000, occupancy: 1, data: { a: 1 } },
        { secret: PUBNUB_SECRET, secretHeader: 'X-PN-Secret' },
      ),
      pubnubLegacyRequest(
        { action: 'join', channel: 'pn-legacy', uuid: 'max', timestamp: T0 / 1000 + 1, occupancy: 2 },
        { secret: PUBNUB_SECRET, secretIn: 'query' },
      ),
      pubnubLegacyRequest(
        { action: 'join', channel: 'pn-legacy', uuid: 'ned', timestamp: T0 / 1000 + 1, occupancy: 3 },
        { secret: PUBNUB_SECRET, secretIn: 'query' },
      ),
      pubnubLegacyRequest(
        { action: 'state-change', channel: 'pn-legacy', uuid: 'lee', timestamp: T0 / 1000 + 2, occupancy: 3, data: { a: 2 } },
        { secret: PUBNUB_SECRET, secretIn: 'query' },
      ),
      pubnubLegacyRequest(
        { action: 'leave', channel: 'pn-legacy', uuid: 'max', timestamp: T0 / 1000 + 3, occupancy: 2 },
        { secret: PUBNUB_SECRET, secretIn: 'query' },
      ),
      pubnubLegacyRequest(
        { action: 'timeout', channel: 'pn-legacy', uuid: 'ned', timestamp: T0 / 1000 + 3, occupancy: 1 },
        { secret: PUBNUB_SECRET, secretIn: 'query' },
      ),
    ],
    expected: { 'pn-legacy': { lee: { a: 2 } } },
  },
  {
    name: 'PubNub multipart channel active and inactive',
    requests: () => [
      pubnubChannelStatusRequest(
        { channel: 'pn-multi', status: 'active', timestamp: T0 / 1000 },
        { secret: PUBNUB_SECRET, secretIn: 'query' },
      ),
      pubnubChannelStatusRequest(
        { channel: 'pn-multi', status: 'inactive', timestamp: T0 / 1000 + 5 },
        { secret: PUBNUB_SECRET, secretIn: 'query', boundary: 'another-boundary' },
      ),
    ],
    expected: {},
    channelEvents: ['channel.active:pn-multi', 'channel.inactive:pn-multi'],
  },
  {
    name: 'PubNub Events & Actions: every member kind, channel states; enveloped or not, schema or dataSchema, one item or a list',
    requests: () => {
      const secret = { secret: PUBNUB_SECRET, secretIn: 'query' } as const;
      const item = (id: string, userId: string | undefined, ms: number, state?: unknown) =>
        pubnubEventItem({ id, channel: 'pn-ena', ...(userId === undefined ? {} : { userId }), timestampMs: T0 + ms, occupancy: 1, state });
      return [
        pubnubEventsRequest('active', [item('a1', undefined, 0)], { ...secret, enveloped: true }),
        pubnubEventsRequest('join', [item('j1', 'oli', 1, { s: 1 }), item('j2', 'pat', 2), item('j3', 'quinn', 3)], secret),
        pubnubEventsRequest('state-change', [item('s1', 'oli', 4, { s: 2 })], {
          ...secret,
          enveloped: true,
          schemaKey: 'dataSchema',
          single: true,
        }),
        pubnubEventsRequest('leave', [item('l1', 'pat', 5)], { ...secret, schemaKey: 'dataSchema' }),
        pubnubEventsRequest('timeout', [item('t1', 'quinn', 6)], { ...secret, single: true }),
        pubnubEventsRequest('inactive', [item('i1', undefined, 7)], secret),
      ];
    },
    expected: { 'pn-ena': { oli: { s: 2 } } },
    channelEvents: ['channel.active:pn-ena', 'channel.inactive:pn-ena'],
  },
];

function expressTransport(server: () => RunningServer): Transport {
  return async (request) => {
    const res = await fetch(server().url + (request.query ?? ''), { method: 'POST', headers: request.headers, body: request.body });
    return { status: res.status, body: (await res.json()) as unknown };
  };
}

function handleTransport(receiver: () => Receiver): Transport {
  return async (request) => {
    const answer = await receiver().handle({
      method: 'POST',
      headers: request.headers,
      body: request.body,
      url: `/${request.query ?? ''}`,
    });
    return { status: answer.status, body: JSON.parse(answer.body) as unknown };
  };
}

async function membersOf(receiver: Receiver, channel: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const m of await receiver.store.members(channel)) out[m.clientId] = m.data instanceof Uint8Array ? Uint8Array.from(m.data) : m.data;
  return out;
}

for (const via of ['receiver.handle', 'HTTP through Express'] as const) {
  describe(`builders round-trip through the receiver (${via})`, () => {
    let receiver: Receiver;
    let server: RunningServer | undefined;
    const channelEvents: string[] = [];
    beforeAll(async () => {
      receiver = createReceiver({ ...OPTIONS, onError: (error) => channelEvents.push(`error:${error.message}`) });
      for (const name of ['channel.active', 'channel.inactive'] as const)
        receiver.on(name, (e) => void channelEvents.push(`${name}:${e.channel}`));
      if (via === 'HTTP through Express') server = await startExpress(receiver);
    });
    afterAll(() => server?.close());
    const send = via === 'receiver.handle' ? handleTransport(() => receiver) : expressTransport(() => server as RunningServer);

    for (const kind of KINDS) {
      it(kind.name, async () => {
        const before = channelEvents.length;
        for (const request of kind.requests()) {
          const answer = await send(request);
          expect(answer, kind.name).toMatchObject({ status: 200, body: { ok: true, rejected: 0 } });
        }
        await receiver.idle();
        for (const [channel, members] of Object.entries(kind.expected))
          expect(await membersOf(receiver, channel), channel).toEqual(members);
        expect(channelEvents.slice(before)).toEqual(kind.channelEvents ?? []);
      });
    }

    for (const kind of KINDS.filter((k) => k.signed === true)) {
      it(`${kind.name}: the signature is Ably's HMAC of the body, and one changed byte is refused (401, nothing stored)`, async () => {
        for (const request of kind.requests()) {
          const expected = createHmac('sha256', KEY.slice(KEY.indexOf(':') + 1))
            .update(request.body)
            .digest('base64');
          expect(request.headers['x-ably-signature']).toBe(expected);
          expect(request.headers['x-ably-key']).toBe('builderApp.builderKey');
          const state = await snapshot(receiver.store);
          for (const at of [0, Math.floor(request.body.length / 2), request.body.length - 1]) {
            const body = Uint8Array.from(request.body);
            body[at] = (body[at] as number) ^ 0x01;
            const answer = await send({ ...request, body });
            expect(answer.status, `byte ${at} changed`).toBe(401);
            expect(answer.body).toMatchObject({ error: { code: 'unauthorized' } });
          }
          await receiver.idle();
          expect(await snapshot(receiver.store)).toEqual(state);
        }
      });
    }

    it('a wrong or missing shared secret is refused for the unsigned kinds (401)', async () => {
      const wrong = [
        ablyEnvelopedPresence('refused', [presence('zed', ABLY_ACTION.enter)], { secret: `${ABLY_SECRET}!` }),
        ablyNonEnvelopedPresence('refused', presence('zed', ABLY_ACTION.enter, 'x'), { secret: 'nope', secretIn: 'query' }),
        ablyEnvelopedPresence('refused', [presence('zed', ABLY_ACTION.enter)]),
        pubnubLegacyRequest(
          { action: 'join', channel: 'refused', uuid: 'zed', timestamp: T0 / 1000, occupancy: 1 },
          { secret: 'nope', secretHeader: 'x-pn-secret' },
        ),
        pubnubChannelStatusRequest({ channel: 'refused', status: 'active', timestamp: T0 / 1000 }, { secret: 'nope', secretIn: 'query' }),
        pubnubEventsRequest('join', [pubnubEventItem({ id: 'r1', channel: 'refused', userId: 'zed', timestampMs: T0 })]),
      ];
      for (const request of wrong) expect((await send(request)).status).toBe(401);
      await receiver.idle();
      expect(await receiver.store.members('refused')).toEqual([]);
    });
  });
}

describe('signAbly', () => {
  it("is base64(HMAC-SHA256(body, the key's secret)) for bytes and text alike; ablyKeyName is the part before ':'", () => {
    const body = '{"items":[]}';
    const expected = createHmac('sha256', 'builder-key-secret').update(body).digest('base64');
    expect(signAbly(body, KEY)).toBe(expected);
    expect(signAbly(new TextEncoder().encode(body), KEY)).toBe(expected);
    expect(signAbly(body, 'other.key:other-secret')).not.toBe(expected);
    expect(ablyKeyName(KEY)).toBe('builderApp.builderKey');
  });

  it('refuses a key without a secret part', () => {
    expect(() => signAbly('x', 'builderApp.builderKey')).toThrow(/appId\.keyId:keySecret/);
  });
});
