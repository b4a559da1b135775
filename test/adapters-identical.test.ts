/**
 * The same requests to every framework at once: status, Allow, Content-Type and the exact body
 * text must be the same everywhere (the conformance suite checks each against core; this shows it
 * across frameworks directly).
 */
import type { AdapterServer, HttpSend } from '@presence-webhooks/testing/conformance';
import { ablyBatchRequest, ablyPresenceItem, pubnubLegacyRequest } from '@presence-webhooks/testing/builders';
import { sendHttp, suiteOptions, SUITE_KEY } from '@presence-webhooks/testing/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAMEWORKS as NODE_FRAMEWORKS } from './adapters-servers.js';
import { WEB_FRAMEWORKS } from './web-servers.js';
import { RawConnection, requestHead } from './helpers/raw-http-client.js';
import { RECENT_MS, RECENT_S } from './helpers/recent.js';

const FRAMEWORKS = [...NODE_FRAMEWORKS, ...WEB_FRAMEWORKS];

const LIMIT = 32 * 1024;
const enter = (channel: string, pad = 0) =>
  ablyBatchRequest(
    [
      ablyPresenceItem(channel, [
        { id: 'same:0:0', clientId: 'same', connectionId: 'same', action: 2, timestamp: RECENT_MS, data: 'x'.repeat(pad) },
      ]),
    ],
    { key: SUITE_KEY },
  );
const bytes = (text: string) => new TextEncoder().encode(text);

const requests: [string, HttpSend][] = [
  ['GET', { method: 'GET' }],
  ['HEAD', { method: 'HEAD' }],
  ['OPTIONS', { method: 'OPTIONS' }],
  ['PUT with a signed body', { ...enter('same'), method: 'PUT' }],
  ['text/html', { ...enter('same'), headers: { ...enter('same').headers, 'content-type': 'text/html' } }],
  ['no media type', { ...enter('same'), headers: { ...enter('same').headers, 'content-type': 'json' } }],
  ['declared over the limit', { headers: enter('same').headers, declaredLength: LIMIT + 1 }],
  ['chunked over the limit', { ...enter('same', LIMIT), chunked: true, answerBeforeEnd: true }],
  ['broken JSON', { headers: { 'content-type': 'application/json' }, body: bytes('{"items":') }],
  ['unknown shape', { headers: { 'content-type': 'application/json' }, body: bytes('[1,2,3]') }],
  ['wrong signature', { ...enter('same'), headers: { ...enter('same').headers, 'x-ably-signature': 'AAAA' } }],
  ['PubNub without secret', pubnubLegacyRequest({ action: 'join', channel: 'same', uuid: 'u', timestamp: RECENT_S, occupancy: 1 })],
  ['a valid delivery', enter('same')],
];

describe('every framework answers the same request identically', () => {
  const servers: { name: string; server: AdapterServer }[] = [];
  beforeAll(async () => {
    for (const { name, factory } of FRAMEWORKS)
      servers.push({ name, server: await factory(suiteOptions({ bodyLimit: LIMIT }), { bodyParser: false }) });
  });
  afterAll(async () => {
    for (const { server } of servers) await server.close();
  });

  for (const [what, request] of requests) {
    it(what, async () => {
      const answers: Record<string, unknown> = {};
      for (const { name, server } of servers) {
        const answer = await sendHttp(server.url, request);
        answers[name] = { status: answer.status, allow: answer.headers.allow, type: answer.headers['content-type'], body: answer.text };
      }
      const first = answers[FRAMEWORKS[0]?.name ?? ''];
      expect(first).toBeDefined();
      for (const name of Object.keys(answers)) expect({ name, ...(answers[name] as object) }).toEqual({ name, ...(first as object) });
    });
  }
});

/**
 * The one read policy (core's BodyRead, under the node layer and the web handler alike), over raw
 * sockets: a body cut short, too slow, declared past the in-flight cap or with a broken
 * Content-Length gets the same status, code and Retry-After from every framework.
 */
describe('every framework reads a body under the same policy', () => {
  const IN_FLIGHT = 8 * 1024;
  const servers: { name: string; server: AdapterServer }[] = [];
  const open: RawConnection[] = [];
  beforeAll(async () => {
    const options = suiteOptions({ bodyLimit: LIMIT, maxInFlightBytes: IN_FLIGHT, bodyTimeoutMs: 300 });
    for (const { name, factory } of FRAMEWORKS) servers.push({ name, server: await factory(options, { bodyParser: false }) });
  });
  afterAll(async () => {
    for (const connection of open) connection.destroy();
    for (const { server } of servers) await server.close();
  });

  /** Send `head` (and what `then` writes) to every framework; the answers' status, error code and Retry-After by framework. */
  async function answers(head: string, then: (connection: RawConnection) => void = () => undefined) {
    const seen: Record<string, unknown> = {};
    for (const { name, server } of servers) {
      const connection = new RawConnection(server.url);
      open.push(connection);
      connection.write(head);
      then(connection);
      const answer = await connection.answer;
      let code: unknown;
      try {
        code = (JSON.parse(answer?.body ?? '') as { error?: { code?: unknown } }).error?.code;
      } catch {
        code = undefined; // Node's own 400 for a request it could not parse has no JSON body
      }
      seen[name] = { status: answer?.status, code, retryAfter: answer?.headers['retry-after'] };
      await server.receiver.idle();
      expect(await server.receiver.store.channels()).toEqual([]);
      expect(server.receiver.limits.inFlight.current).toBe(0);
    }
    return seen;
  }
  const everywhere = (answer: object) => Object.fromEntries(servers.map(({ name }) => [name, answer]));
  const signed = enter('read-policy');
  const head = (headers: Record<string, string>) => requestHead('/webhooks', { ...signed.headers, ...headers });

  it('a Content-Length past maxInFlightBytes (within bodyLimit): 503 server_busy with Retry-After, before the body arrives', async () => {
    const seen = await answers(head({ 'content-length': String(2 * IN_FLIGHT) }), (c) => c.write(new Uint8Array(1024).fill(0x20)));
    expect(seen).toEqual(everywhere({ status: 503, code: 'server_busy', retryAfter: '1' }));
  });

  it('a body that stops arriving: 408 request_timeout at bodyTimeoutMs', async () => {
    const half = signed.body.subarray(0, signed.body.byteLength >> 1);
    const seen = await answers(head({ 'content-length': String(signed.body.byteLength) }), (c) => c.write(half));
    expect(seen).toEqual(everywhere({ status: 408, code: 'request_timeout', retryAfter: undefined }));
  });

  it('a body that ends short of its Content-Length, then the client stops sending: 400', async () => {
    const half = signed.body.subarray(0, signed.body.byteLength >> 1);
    const seen = await answers(head({ 'content-length': String(signed.body.byteLength) }), (c) => {
      c.write(half);
      c.end();
    });
    // Node's HTTP parser answers a message cut off by the end of its connection itself (no JSON body), on every framework.
    expect(seen).toEqual(everywhere({ status: 400, code: undefined, retryAfter: undefined }));
  });

  it('a Content-Length over bodyLimit: 413 payload_too_large before a byte is read', async () => {
    const seen = await answers(head({ 'content-length': String(LIMIT + 1) }));
    expect(seen).toEqual(everywhere({ status: 413, code: 'payload_too_large', retryAfter: undefined }));
  });

  it('a malformed Content-Length: 400 (on Node its HTTP parser refuses it before any adapter runs)', async () => {
    const seen = await answers(head({ 'content-length': '12abc' }), (c) => c.write(signed.body));
    expect(seen).toEqual(everywhere({ status: 400, code: undefined, retryAfter: undefined }));
  });
});
