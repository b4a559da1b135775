/**
 * Every rejection is visible on the server, over real HTTP (Express 5): `onReject` is told of each
 * kind exactly once, with the documented fields (status, code, provider, keyName, remoteAddress,
 * reason) and never the body or a secret; each 401 cause has its own text. Without `onReject`, the
 * logger gets one line per code within the rate window.
 */
import type { Receiver, ReceiverOptions, RejectInfo } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import type { BuiltRequest } from '@presence-webhooks/testing/builders';
import { ablyBatchRequest, ablyKeyName, ablyPresenceItem, pubnubEventItem, pubnubEventsRequest } from '@presence-webhooks/testing/builders';
import { sendHttp } from '@presence-webhooks/testing/conformance';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from './helpers/express-server.js';
import { startExpress } from './helpers/express-server.js';
import { RawConnection, requestHead } from './helpers/raw-http-client.js';
import { RECENT_MS } from './helpers/recent.js';

const SECRET_1 = 'first-ably-secret-never-logged';
const SECRET_2 = 'second-ably-secret-never-logged';
const KEY_1 = `rejApp.keyOne:${SECRET_1}`;
const KEY_2 = `rejApp.keyTwo:${SECRET_2}`;
const FOREIGN_SECRET = 'foreign-secret-never-logged';
const PUBNUB_SECRET = 'pubnub-secret-never-logged';
const WRONG_PUBNUB_SECRET = 'wrong-pubnub-secret-never-logged';
const SECRETS = [SECRET_1, SECRET_2, FOREIGN_SECRET, PUBNUB_SECRET, WRONG_PUBNUB_SECRET];
/** Every body sent carries this: it must never reach onReject. */
const MARKER = 'body-marker-7f3a';
const KIB = 1024;
const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$/;

let n = 0;
function ablyEnter(key: string | undefined): BuiltRequest {
  n += 1;
  const presence = { id: `rej${n}:0:0`, clientId: `${MARKER}-${n}`, connectionId: `rej${n}`, action: 2, timestamp: RECENT_MS + n };
  return ablyBatchRequest([ablyPresenceItem(`${MARKER}-room`, [presence])], key === undefined ? {} : { key });
}

function pubnubJoin(secret: string | undefined): BuiltRequest {
  n += 1;
  const item = pubnubEventItem({
    id: `pn-${n}`,
    channel: `${MARKER}-room`,
    userId: `${MARKER}-${n}`,
    timestampMs: RECENT_MS + n,
    occupancy: 1,
  });
  return pubnubEventsRequest('join', [item], secret === undefined ? {} : { secret });
}

interface Harness {
  receiver: Receiver;
  server: RunningServer;
  infos: RejectInfo[];
  errors: Error[];
}

async function harness(options: Partial<ReceiverOptions>, setup?: (app: express.Express) => void): Promise<Harness> {
  const infos: RejectInfo[] = [];
  const errors: Error[] = [];
  const receiver = createReceiver({
    ...options,
    onReject: (info) => void infos.push(info),
    onError: (error) => void errors.push(error),
  } as ReceiverOptions);
  const server = await startExpress(receiver, setup);
  return { receiver, server, infos, errors };
}

/** Run one refusal and return the one info it produced (exactly one), checked for leaks and the address. */
async function onlyInfo(h: Harness, send: () => Promise<{ status: number; body: string }>): Promise<{ info: RejectInfo; body: string }> {
  const before = h.infos.length;
  const answer = await send();
  await h.receiver.idle();
  const added = h.infos.slice(before);
  expect(added).toHaveLength(1);
  const info = added[0] as RejectInfo;
  expect(info.status).toBe(answer.status);
  expect(JSON.parse(answer.body)).toMatchObject({ error: { code: info.code } });
  const json = JSON.stringify(info);
  expect(json).not.toContain(MARKER);
  for (const secret of SECRETS) expect(json).not.toContain(secret);
  expect(info.remoteAddress).toMatch(LOOPBACK);
  expect(Object.keys(info).every((k) => ['status', 'code', 'provider', 'keyName', 'remoteAddress', 'reason'].includes(k))).toBe(true);
  return { info, body: answer.body };
}

function http(url: string, request: BuiltRequest & { query?: string }) {
  return async () => {
    const answer = await sendHttp(`${url}${request.query ?? ''}`, request);
    return { status: answer.status, body: answer.text };
  };
}

function raw(url: string, start: (connection: RawConnection) => void) {
  return async () => {
    const connection = new RawConnection(url);
    start(connection);
    const answer = await connection.answer;
    connection.destroy();
    return { status: answer?.status ?? 0, body: answer?.body ?? '{}' };
  };
}

describe('onReject over Express: each rejection kind once, with its fields, never the body or a secret', () => {
  let ably: Harness;
  let parsedFirst: RunningServer;
  let pubnub: Harness;
  beforeAll(async () => {
    // Room for one 8 KiB body in flight; bodies up to 16 KiB.
    ably = await harness({ ably: { keys: [KEY_1, KEY_2] }, bodyLimit: 16 * KIB, bodyTimeoutMs: 300, maxInFlightBytes: 8 * KIB });
    // The same receiver, behind express.json() mounted first.
    parsedFirst = await startExpress(ably.receiver, (app) => app.use(express.json()));
    pubnub = await harness({ pubnub: { secret: PUBNUB_SECRET } });
  });
  afterAll(async () => {
    for (const server of [ably.server, parsedFirst, pubnub.server]) await server.close();
    await ably.receiver.close();
    await pubnub.receiver.close();
  });

  it('a signature that does not match a known key: 401, provider ably, keyName set, the raw-body hint', async () => {
    const { info } = await onlyInfo(ably, http(ably.server.url, ablyEnter(`${ablyKeyName(KEY_1)}:not-the-secret`)));
    expect(info).toMatchObject({ status: 401, code: 'unauthorized', provider: 'ably', keyName: 'rejApp.keyOne' });
    expect(info.reason).toMatch(/does not match the body for the key "rejApp\.keyOne".*before any body parser/);
  });

  it("an unknown key name: 401 that lists the receiver's key names only", async () => {
    const { info, body } = await onlyInfo(ably, http(ably.server.url, ablyEnter(`rejApp.foreign:${FOREIGN_SECRET}`)));
    expect(info).toMatchObject({ status: 401, code: 'unauthorized', provider: 'ably', keyName: 'rejApp.foreign' });
    expect(info.reason).toContain(
      'names the key "rejApp.foreign", which this receiver does not have (it has rejApp.keyOne, rejApp.keyTwo)',
    );
    expect(info.reason).not.toMatch(/does not match the body/);
    for (const secret of SECRETS) expect(body).not.toContain(secret);
  });

  it('a missing signature: 401 that says to sign the rule', async () => {
    const { info } = await onlyInfo(ably, http(ably.server.url, ablyEnter(undefined)));
    expect(info).toMatchObject({ status: 401, code: 'unauthorized', provider: 'ably' });
    expect(info.keyName).toBeUndefined();
    expect(info.reason).toMatch(/Missing X-Ably-Signature/);
  });

  it('a PubNub-shaped body to an Ably-only receiver: 401 that says to configure pubnub.secret', async () => {
    const { info } = await onlyInfo(ably, http(ably.server.url, pubnubJoin(PUBNUB_SECRET)));
    expect(info).toMatchObject({ status: 401, code: 'unauthorized', provider: 'pubnub' });
    expect(info.reason).toMatch(/looks like a PubNub webhook, but the receiver is not set up for PubNub: configure pubnub\.secret/);
  });

  it('a missing and a wrong PubNub secret: a 401 each, in their own words', async () => {
    const missing = await onlyInfo(pubnub, http(pubnub.server.url, pubnubJoin(undefined)));
    expect(missing.info).toMatchObject({ status: 401, code: 'unauthorized', provider: 'pubnub' });
    expect(missing.info.reason).toMatch(/Missing PubNub webhook secret/);
    const wrong = await onlyInfo(pubnub, http(pubnub.server.url, pubnubJoin(WRONG_PUBNUB_SECRET)));
    expect(wrong.info).toMatchObject({ status: 401, code: 'unauthorized', provider: 'pubnub' });
    expect(wrong.info.reason).toMatch(/Wrong PubNub webhook secret/);
    const inQuery = await onlyInfo(pubnub, http(pubnub.server.url, { ...pubnubJoin(undefined), query: `?secret=${WRONG_PUBNUB_SECRET}` }));
    expect(inQuery.info.reason).toMatch(/Wrong PubNub webhook secret/);
  });

  it('a body above bodyLimit: 413', async () => {
    const { headers } = ablyEnter(KEY_1);
    const { info } = await onlyInfo(
      ably,
      raw(ably.server.url, (c) => c.write(requestHead('/webhooks', { ...headers, 'content-length': String(20 * KIB) }))),
    );
    expect(info).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('a trickled body: 408 at bodyTimeoutMs', { timeout: 10_000 }, async () => {
    const signed = ablyEnter(KEY_1);
    const { info } = await onlyInfo(
      ably,
      raw(ably.server.url, (c) => {
        c.write(requestHead('/webhooks', { ...signed.headers, 'content-length': String(signed.body.byteLength) }));
        c.trickle(signed.body, 50);
      }),
    );
    expect(info).toMatchObject({ status: 408, code: 'request_timeout' });
  });

  it('a body past maxInFlightBytes: 503 server_busy', async () => {
    const { headers } = ablyEnter(KEY_1);
    const { info } = await onlyInfo(
      ably,
      raw(ably.server.url, (c) => c.write(requestHead('/webhooks', { ...headers, 'content-length': String(10 * KIB) }))),
    );
    expect(info).toMatchObject({ status: 503, code: 'server_busy' });
  });

  it('a body a parser mounted first consumed: 500 body_consumed', async () => {
    const { info } = await onlyInfo(ably, http(parsedFirst.url, ablyEnter(KEY_1)));
    expect(info).toMatchObject({ status: 500, code: 'body_consumed' });
    expect(info.reason).toMatch(/express\.json\(\)/);
  });

  it('accepted deliveries are not reported', async () => {
    const before = ably.infos.length;
    const answer = await sendHttp(ably.server.url, ablyEnter(KEY_2));
    expect(answer.status).toBe(200);
    expect(ably.infos.length).toBe(before);
  });
});

describe('without onReject: the logger gets one line per code within the rate window', () => {
  it('five identical refusals: one line; another code: one more line; never a secret or the body', async () => {
    const lines: string[] = [];
    const receiver = createReceiver({ ably: { keys: [KEY_1] }, bodyLimit: 4 * KIB, logger: { warn: (line) => void lines.push(line) } });
    const server = await startExpress(receiver);
    try {
      for (let i = 0; i < 5; i++) expect((await sendHttp(server.url, ablyEnter(`${ablyKeyName(KEY_1)}:not-the-secret`))).status).toBe(401);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/401 unauthorized \(ably, key rejApp\.keyOne, from (::ffff:)?127\.0\.0\.1\)/);
      for (let i = 0; i < 5; i++) expect((await sendHttp(server.url, { ...ablyEnter(KEY_1), declaredLength: 8 * KIB })).status).toBe(413);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/413 payload_too_large/);
      for (const line of lines) {
        expect(line).not.toContain(MARKER);
        for (const secret of SECRETS) expect(line).not.toContain(secret);
      }
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});
