/**
 * Every row of DESIGN.md's bad-input table, over real HTTP through Express 5 and Express 4:
 * the right status and JSON error code, and nothing changes in the store.
 */
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { encode } from '@msgpack/msgpack';
import { createReceiver, type Receiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/express';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem, ablyRequest, type BuiltRequest } from '@presence-webhooks/testing/builders';
import express5 from 'express';
import express4 from 'express4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from './helpers/store-snapshot.js';
import { RECENT_MS } from './helpers/recent.js';

const KEY = 'app.key1:s3cret-key';
const LIMIT = 64 * 1024;
type ExpressFactory = typeof express5;

const enter = (clientId: string, serial = 0) => ({
  id: `c-${clientId}:${serial}:0`,
  clientId,
  connectionId: `c-${clientId}`,
  action: ABLY_ACTION.enter,
  timestamp: RECENT_MS + serial,
});

async function start(expressLib: ExpressFactory, receiver: Receiver, jsonFirst: boolean) {
  const app = expressLib();
  if (jsonFirst) app.use(expressLib.json());
  app.use('/webhooks', presenceWebhooks(receiver));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

for (const [name, lib] of [
  ['Express 5', express5],
  ['Express 4', express4 as unknown as ExpressFactory],
] as const) {
  describe(`bad input through ${name}`, () => {
    const problems: Error[] = [];
    const receiver = createReceiver({ ably: { keys: [KEY] }, bodyLimit: LIMIT, onError: (e) => problems.push(e) });
    let server: { url: string; close(): Promise<void> };
    let parsedFirst: { url: string; close(): Promise<void> };

    beforeAll(async () => {
      server = await start(lib, receiver, false);
      parsedFirst = await start(lib, receiver, true);
      const seed = await post(ablyBatchRequest([ablyPresenceItem('room', [enter('alice'), enter('bob')])], { key: KEY }));
      expect(seed.status).toBe(200);
      await receiver.idle();
    });
    afterAll(async () => {
      await server.close();
      await parsedFirst.close();
    });

    async function post(request: BuiltRequest, init: { method?: string; url?: string } = {}) {
      const res = await fetch(init.url ?? server.url, {
        method: init.method ?? 'POST',
        headers: request.headers,
        body: init.method === 'GET' ? undefined : request.body,
      });
      const text = await res.text();
      return {
        status: res.status,
        headers: res.headers,
        body: text === '' ? undefined : (JSON.parse(text) as { error?: { code: string; message: string } }),
      };
    }

    /** Send a bad request: expect the status and code, and an unchanged store. */
    async function rejects(request: BuiltRequest, status: number, code: string, init?: { method?: string; url?: string }) {
      const before = await snapshot(receiver.store);
      const res = await post(request, init);
      expect(res.status).toBe(status);
      expect(res.body?.error?.code).toBe(code);
      expect(typeof res.body?.error?.message).toBe('string');
      await receiver.idle();
      expect(await snapshot(receiver.store)).toEqual(before);
      return res;
    }

    const valid = () => ablyBatchRequest([ablyPresenceItem('room', [enter('carol')])], { key: KEY });

    it('not POST -> 405 with Allow: POST', async () => {
      const res = await rejects({ headers: {}, body: new Uint8Array() }, 405, 'method_not_allowed', { method: 'GET' });
      expect(res.headers.get('allow')).toBe('POST');
      await rejects({ headers: valid().headers, body: valid().body }, 405, 'method_not_allowed', { method: 'PUT' });
    });

    it('unsupported content type -> 415', async () => {
      const request = valid();
      await rejects({ ...request, headers: { ...request.headers, 'content-type': 'application/xml' } }, 415, 'unsupported_media_type');
      const { 'content-type': _drop, ...noType } = request.headers;
      await rejects({ ...request, headers: noType }, 415, 'unsupported_media_type');
    });

    it('body over the limit -> 413', async () => {
      const big = ablyRequest({ items: [], padding: 'x'.repeat(LIMIT) }, { key: KEY });
      await rejects(big, 413, 'payload_too_large');
    });

    it('body at the limit is read', async () => {
      const base = JSON.stringify({ items: [], padding: '' });
      const exact = ablyRequest({ items: [], padding: 'x'.repeat(LIMIT - base.length) }, { key: KEY });
      expect(exact.body.byteLength).toBe(LIMIT);
      expect((await post(exact)).status).toBe(200);
    });

    it('body that does not decode -> 400 with a code', async () => {
      const sign = (body: Uint8Array, type: string) => ablyRequestRaw(body, type);
      await rejects(sign(new TextEncoder().encode('{"items": ['), 'application/json'), 400, 'invalid_body');
      await rejects(sign(new Uint8Array([0xc1, 0xff, 0x00]), 'application/x-msgpack'), 400, 'invalid_body');
      await rejects(sign(new Uint8Array([0xff, 0xfe, 0x7b]), 'application/json'), 400, 'invalid_body');
    });

    it('body with no known shape -> 400', async () => {
      await rejects(ablyRequest({ hello: 'world' }, { key: KEY }), 400, 'unknown_shape');
      await rejects(ablyRequest([1, 2, 3], { key: KEY }), 400, 'unknown_shape');
      await rejects(ablyRequest({ hello: 'world' }, { format: 'msgpack', key: KEY }), 400, 'unknown_shape');
      // Without a credential the body is not even parsed: 401.
      await rejects(ablyRequest({ hello: 'world' }, { format: 'msgpack' }), 401, 'unauthorized');
    });

    it('missing or wrong signature -> 401', async () => {
      const request = valid();
      await rejects(
        { ...request, headers: { ...request.headers, 'x-ably-signature': Buffer.alloc(32).toString('base64') } },
        401,
        'unauthorized',
      );
      const { 'x-ably-signature': _s, 'x-ably-key': _k, ...unsigned } = request.headers;
      await rejects({ ...request, headers: unsigned }, 401, 'unauthorized');
    });

    it('body consumed by express.json() and no raw bytes left -> 500 that says how to mount', async () => {
      const res = await rejects(valid(), 500, 'body_consumed', { url: parsedFirst.url });
      expect(res.body?.error?.message).toMatch(/before express\.json\(\)/);
    });

    it('one malformed item in a valid batch -> 200, valid items applied, the bad one reported', async () => {
      problems.length = 0;
      const good = ablyPresenceItem('room', [enter('dave')]);
      const bad = ablyPresenceItem('room', [{ ...enter('eve'), action: 42 }]);
      const res = await post(ablyBatchRequest([good, bad, { ...good, data: { channelId: 'room' } }], { key: KEY }));
      expect(res.status).toBe(200);
      await receiver.idle();
      const ids = (await receiver.store.members('room')).map((m) => m.clientId);
      expect(ids).toContain('dave');
      expect(ids).not.toContain('eve');
      expect(problems.map((p) => (p as Error & { code?: string }).code)).toEqual(['invalid_item', 'invalid_item']);
    });

    it('duplicate or stale delivery -> 200 and no change', async () => {
      const first = ablyBatchRequest([ablyPresenceItem('dup', [enter('frank', 5)])], { key: KEY });
      expect((await post(first)).status).toBe(200);
      await receiver.idle();
      const before = await snapshot(receiver.store);
      expect((await post(first)).status).toBe(200);
      expect((await post(ablyBatchRequest([ablyPresenceItem('dup', [enter('frank', 2)])], { key: KEY }))).status).toBe(200);
      await receiver.idle();
      expect(await snapshot(receiver.store)).toEqual(before);
    });

    it('prototype pollution attempts change nothing global', async () => {
      const body = `{"items":[{"source":"channel.presence","timestamp":${RECENT_MS},"data":{"channelId":"room","presence":[{"id":"c-zed:0:0","clientId":"zed","connectionId":"c-zed","action":2,"timestamp":${RECENT_MS},"data":"{\\"__proto__\\":{\\"polluted\\":1}}","encoding":"json"}]},"__proto__":{"polluted":1}}]}`;
      expect((await post(ablyRequestRaw(new TextEncoder().encode(body), 'application/json'))).status).toBe(200);
      const packed = encode({ items: [], __proto__x: 1 });
      expect((await post(ablyRequestRaw(packed, 'application/x-msgpack'))).status).toBe(200);
      await receiver.idle();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const zed = (await receiver.store.members('room')).find((m) => m.clientId === 'zed');
      expect(Object.getPrototypeOf(zed?.data)).toBe(Object.prototype);
      expect(Object.keys(zed?.data as object)).toEqual([]);
    });
  });
}

/** A signed request with any bytes and content type. */
function ablyRequestRaw(body: Uint8Array, type: string): BuiltRequest {
  const signature = createHmac('sha256', KEY.slice(KEY.indexOf(':') + 1))
    .update(body)
    .digest('base64');
  return { headers: { 'content-type': type, 'x-ably-key': 'app.key1', 'x-ably-signature': signature }, body };
}
