import { DEFAULT_BODY_LIMIT } from '@presence-webhooks/core';
import { encode } from '@msgpack/msgpack';
import type { ConformanceCase } from './cases.js';
import assert from 'node:assert/strict';
import { expectAccepted, expectRejected, send, snapshot } from './fixture.js';
import { ABLY_RULE_SECRET, batchOfSize, enterMessage, enterRequest, FOREIGN_KEY, signedJson } from './requests.js';
import { ablyBatchRequest, ablyEnvelopedPresence, ablyPresenceItem } from '../ably-builders.js';

const SMALL_LIMIT = 64 * 1024;
const text = (value: string) => new TextEncoder().encode(value);

function methodCase(method: string): ConformanceCase {
  return {
    name: `405 with Allow: POST for ${method}`,
    run: (h) => {
      const withBody = method !== 'GET' && method !== 'HEAD';
      return expectRejected(h, withBody ? { ...enterRequest('room-405'), method } : { method }, {
        status: 405,
        code: 'method_not_allowed',
      });
    },
  };
}

/** Every row of the bad-input table except the body-parser row (see parserFirstCase). */
export const rejectionCases: readonly ConformanceCase[] = [
  ...['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'].map(methodCase),
  {
    name: "a POST to another path under the webhook path is not a webhook: the framework's 404, nothing applied",
    run: async (h) => {
      const before = await snapshot(h.server.receiver);
      const events = h.events.length;
      for (const path of ['/other', '/channels/room-404/members']) {
        const answer = await send(h, { ...enterRequest('room-404'), path });
        assert.equal(answer.status, 404, `POST ${path}`);
      }
      await h.server.receiver.idle();
      assert.deepEqual(await snapshot(h.server.receiver), before);
      assert.deepEqual(h.events.slice(events), []);
    },
  },
  {
    name: '405 before anything else: a PUT declaring a body over the limit',
    options: { bodyLimit: SMALL_LIMIT },
    run: (h) => {
      const full = batchOfSize('room-405', SMALL_LIMIT + 1);
      return expectRejected(
        h,
        { method: 'PUT', headers: full.headers, declaredLength: SMALL_LIMIT + 1, oracleBody: full.body },
        { status: 405, code: 'method_not_allowed' },
      );
    },
  },
  {
    name: '415 for a Content-Type that is not a media type',
    run: async (h) => {
      for (const type of ['json', 'application/', ';charset=utf-8']) {
        const request = enterRequest('room-415');
        await expectRejected(
          h,
          { ...request, headers: { ...request.headers, 'content-type': type } },
          { status: 415, code: 'unsupported_media_type' },
        );
      }
    },
  },
  {
    name: '415 for an unsupported content type (signed body)',
    run: (h) => {
      const request = enterRequest('room-415');
      return expectRejected(
        h,
        { ...request, headers: { ...request.headers, 'content-type': 'text/html' } },
        { status: 415, code: 'unsupported_media_type' },
      );
    },
  },
  {
    name: '415 for a body without Content-Type',
    run: (h) => {
      const request = enterRequest('room-415');
      const headers = Object.fromEntries(Object.entries(request.headers ?? {}).filter(([name]) => name !== 'content-type'));
      return expectRejected(h, { ...request, headers }, { status: 415, code: 'unsupported_media_type' });
    },
  },
  {
    name: '415 for a form-urlencoded body',
    run: (h) =>
      expectRejected(
        h,
        { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: text('items=1') },
        { status: 415, code: 'unsupported_media_type' },
      ),
  },
  {
    name: '413 for a declared Content-Length one byte over the limit (refused before reading)',
    options: { bodyLimit: SMALL_LIMIT },
    run: (h) => {
      const full = batchOfSize('room-413', SMALL_LIMIT + 1);
      return expectRejected(
        h,
        { headers: full.headers, declaredLength: SMALL_LIMIT + 1, oracleBody: full.body },
        { status: 413, code: 'payload_too_large' },
      );
    },
  },
  {
    name: '413 for a chunked body one byte over the limit (stops reading)',
    options: { bodyLimit: SMALL_LIMIT },
    run: (h) =>
      expectRejected(
        h,
        { ...batchOfSize('room-413', SMALL_LIMIT + 1), chunked: true, answerBeforeEnd: true },
        { status: 413, code: 'payload_too_large' },
      ),
  },
  {
    name: '200 for a valid batch of exactly the limit, with Content-Length and chunked',
    options: { bodyLimit: SMALL_LIMIT },
    run: async (h) => {
      await expectAccepted(h, batchOfSize('room-at-limit', SMALL_LIMIT));
      await expectAccepted(h, { ...batchOfSize('room-at-limit', SMALL_LIMIT), chunked: true });
      const members = await h.server.receiver.store.members('room-at-limit');
      if (members.length !== 2) throw new Error(`expected 2 members after two batches at the limit, got ${members.length}`);
    },
  },
  {
    name: `the default limit (${DEFAULT_BODY_LIMIT} bytes): 200 at the limit, 413 one byte over`,
    run: async (h) => {
      await expectAccepted(h, batchOfSize('room-default-limit', DEFAULT_BODY_LIMIT));
      const over = batchOfSize('room-default-limit', DEFAULT_BODY_LIMIT + 1);
      await expectRejected(
        h,
        { headers: over.headers, declaredLength: DEFAULT_BODY_LIMIT + 1, oracleBody: over.body },
        { status: 413, code: 'payload_too_large' },
      );
      await expectRejected(h, { ...over, chunked: true, answerBeforeEnd: true }, { status: 413, code: 'payload_too_large' });
    },
  },
  {
    name: '400 for a signed body that is not JSON',
    run: (h) => expectRejected(h, signedJson(text('{"items": [{"source": "channel.presence",')), { status: 400, code: 'invalid_body' }),
  },
  {
    name: '400 for an empty JSON body',
    run: (h) => expectRejected(h, signedJson(new Uint8Array(0)), { status: 400, code: 'invalid_body' }),
  },
  {
    name: '400 for a signed body that is not MsgPack',
    run: (h) => {
      const bytes = Uint8Array.from([0xc1, 0x00, 0xff]);
      const request = signedJson(bytes);
      return expectRejected(
        h,
        { ...request, headers: { ...request.headers, 'content-type': 'application/x-msgpack' } },
        { status: 400, code: 'invalid_body' },
      );
    },
  },
  {
    name: '400 for JSON of no known shape',
    run: (h) => expectRejected(h, signedJson(text('{"hello":"world","items":null}')), { status: 400, code: 'unknown_shape' }),
  },
  {
    name: '400 for MsgPack of no known shape',
    run: (h) => {
      const request = signedJson(encode({ hello: 'world' }));
      return expectRejected(
        h,
        { ...request, headers: { ...request.headers, 'content-type': 'application/x-msgpack' } },
        { status: 400, code: 'unknown_shape' },
      );
    },
  },
  {
    name: '401 before any parsing for a body that carries no credential (malformed or not)',
    run: async (h) => {
      await expectRejected(
        h,
        { headers: { 'content-type': 'application/json' }, body: text('{"hello":"world","items":null}') },
        { status: 401, code: 'unauthorized' },
      );
      await expectRejected(
        h,
        { headers: { 'content-type': 'application/json' }, body: text('{"items": [{"source": ') },
        { status: 401, code: 'unauthorized' },
      );
      await expectRejected(
        h,
        { headers: { 'content-type': 'application/x-msgpack' }, body: Uint8Array.from([0xc1]) },
        { status: 401, code: 'unauthorized' },
      );
    },
  },
  {
    name: '401 for a body that differs from what was signed',
    run: (h) => {
      const signed = enterRequest('room-401');
      const tampered = new Uint8Array(signed.body ?? []);
      tampered[tampered.length - 2] = 0x20; // still JSON-ish, no longer the signed bytes
      return expectRejected(h, { ...signed, body: tampered }, { status: 401, code: 'unauthorized' });
    },
  },
  {
    name: '401 for a batch signed with a key the receiver does not hold',
    run: (h) => expectRejected(h, enterRequest('room-401', 'json', FOREIGN_KEY), { status: 401, code: 'unauthorized' }),
  },
  {
    name: '401 for a MsgPack batch whose signature does not match',
    run: (h) => {
      const request = enterRequest('room-401', 'msgpack');
      return expectRejected(
        h,
        { ...request, headers: { ...request.headers, 'x-ably-signature': 'bm90IHRoZSBzaWduYXR1cmU=' } },
        { status: 401, code: 'unauthorized' },
      );
    },
  },
  {
    name: '401 for an unsigned batch without the shared secret',
    run: (h) =>
      expectRejected(h, ablyBatchRequest([ablyPresenceItem('room-401', [enterMessage()])]), { status: 401, code: 'unauthorized' }),
  },
  {
    name: '401 for a single request with a wrong shared secret (header and query)',
    run: async (h) => {
      const request = ablyEnvelopedPresence('room-401', [enterMessage()], { headers: { 'x-webhook-secret': `${ABLY_RULE_SECRET}-wrong` } });
      await expectRejected(h, request, { status: 401, code: 'unauthorized' });
      await expectRejected(
        h,
        { ...ablyEnvelopedPresence('room-401', [enterMessage()]), query: '?secret=wrong' },
        { status: 401, code: 'unauthorized' },
      );
    },
  },
];
