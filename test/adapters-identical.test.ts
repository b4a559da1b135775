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
