/**
 * Koa specifics over real HTTP (Koa 3 and Koa 2): the raw body a parser mounted first left in
 * ctx.request.rawBody is used only when it is exactly the bytes received; otherwise the same 500
 * Express answers. The path option, and both ways to pass the receiver.
 */
import { gzipSync } from 'node:zlib';
import { bodyParser } from '@koa/bodyparser';
import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/koa';
import type { HttpSend } from '@presence-webhooks/testing/conformance';
import { ablyBatchRequest, ablyKeyName, ablyPresenceItem, signAbly } from '@presence-webhooks/testing/builders';
import { sendHttp, SUITE_KEY } from '@presence-webhooks/testing/conformance';
import type Koa from 'koa';
import Koa3 from 'koa';
import { KOA_HINT } from '../packages/koa/src/middleware.js';
import { describe, expect, it } from 'vitest';
import { expressFactory, Koa2 } from './adapters-servers.js';
import express5 from 'express';
import { RECENT_MS } from './helpers/recent.js';

const options: ReceiverOptions = { ably: { keys: [SUITE_KEY] } };
let n = 0;

/** A signed JSON batch entering one member whose data is `data` (a JSON value, sent with encoding json). */
function enterWithData(channel: string, data: unknown) {
  n += 1;
  const presence = {
    id: `kc${n}:0:0`,
    clientId: `koa-${n}`,
    connectionId: `kc${n}`,
    action: 2,
    timestamp: RECENT_MS + n,
    data: JSON.stringify(data),
    encoding: 'json',
  };
  return ablyBatchRequest([ablyPresenceItem(channel, [presence])], { key: SUITE_KEY });
}

function signed(body: Uint8Array, headers: Record<string, string> = {}): HttpSend {
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-ably-key': ablyKeyName(SUITE_KEY),
      'x-ably-signature': signAbly(body, SUITE_KEY),
      ...headers,
    },
  };
}

async function serve(app: Koa): Promise<{ base: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { base: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** What core answers when a parser consumed the body: the 500 every framework must give. */
async function coreBodyConsumedAnswer(): Promise<string> {
  const answer = await createReceiver(options).handle({
    method: 'POST',
    headers: {},
    body: null,
    bodyConsumed: true,
    bodyConsumedHint: KOA_HINT,
  });
  expect(answer.status).toBe(500);
  return answer.body;
}

/** The body Express 5 answers when express.json() ran first. */
async function expressBodyConsumedAnswer(request: HttpSend): Promise<string> {
  const server = await expressFactory(express5)(options, { bodyParser: true });
  try {
    const answer = await sendHttp(server.url, request);
    expect(answer.status).toBe(500);
    return answer.text;
  } finally {
    await server.close();
  }
}

for (const [name, Lib] of [
  ['Koa 3', Koa3],
  ['Koa 2', Koa2],
] as const) {
  describe(`${name}: a body parser mounted first`, () => {
    async function withParser(parser: Koa.Middleware, run: (url: string, receiver: Receiver) => Promise<void>) {
      const app = new Lib();
      app.use(parser);
      const middleware = presenceWebhooks(options, { path: '/webhooks' });
      app.use(middleware);
      const { base, close } = await serve(app);
      try {
        await run(`${base}/webhooks`, middleware.receiver);
      } finally {
        await close();
      }
    }

    it('@koa/bodyparser: non-ASCII UTF-8 JSON is used from ctx.request.rawBody (200, data intact)', async () => {
      await withParser(bodyParser(), async (url, receiver) => {
        const answer = await sendHttp(url, enterWithData('koa-utf8', { name: 'Zoë 🙂 日本' }));
        expect(answer.status).toBe(200);
        await receiver.idle();
        expect((await receiver.store.members('koa-utf8')).map((m) => m.data)).toEqual([{ name: 'Zoë 🙂 日本' }]);
      });
    });

    const inexact: [string, HttpSend][] = [];
    {
      const json = new TextEncoder().encode(JSON.stringify({ items: [] }));
      const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...json]);
      inexact.push(['a UTF-8 BOM the parser stripped', signed(bom)]);
      const latin1 = Buffer.from(JSON.stringify({ items: [], note: 'café' }), 'latin1');
      inexact.push([
        'Latin-1 bytes the parser decoded as UTF-8',
        signed(latin1, { 'content-type': 'application/json; charset=iso-8859-1' }),
      ]);
      inexact.push(['a gzip body the parser inflated', signed(gzipSync(json), { 'content-encoding': 'gzip' })]);
    }
    for (const [what, request] of inexact) {
      it(`@koa/bodyparser: ${what} is not the bytes received: 500 body_consumed`, async () => {
        const expected = await coreBodyConsumedAnswer();
        await withParser(bodyParser(), async (url, receiver) => {
          const answer = await sendHttp(url, request);
          expect({ status: answer.status, text: answer.text }).toEqual({ status: 500, text: expected });
          await receiver.idle();
          expect(await receiver.store.channels()).toEqual([]);
        });
      });
    }

    it("a parser that keeps no raw body: core's 500 (as on Express), with Koa's advice on how to mount the middleware", async () => {
      const request = enterWithData('koa-raw-less', { a: 1 });
      expect(await expressBodyConsumedAnswer(request)).toContain('"code":"body_consumed"');
      const expected = await coreBodyConsumedAnswer();
      expect(expected).toContain('Mount presenceWebhooks() before');
      expect(expected).toContain('jsonLimit');
      const rawLess: Koa.Middleware = async (ctx, next) => {
        const chunks: Buffer[] = [];
        for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
        (ctx.request as unknown as { body: unknown }).body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        await next();
      };
      await withParser(rawLess, async (url, receiver) => {
        const answer = await sendHttp(url, request);
        expect({ status: answer.status, text: answer.text }).toEqual({ status: 500, text: expected });
        await receiver.idle();
        expect(await receiver.store.channels()).toEqual([]);
      });
    });
  });

  describe(`${name}: mounting`, () => {
    it('answers only its path (with or without a trailing slash); other paths reach the next middleware', async () => {
      const receiver = createReceiver(options);
      const app = new Lib();
      const middleware = presenceWebhooks(receiver, { path: '/hooks/presence/' });
      expect(middleware.receiver).toBe(receiver);
      app.use(middleware);
      app.use((ctx) => {
        ctx.body = { app: ctx.path };
      });
      const { base, close } = await serve(app);
      try {
        expect((await sendHttp(`${base}/hooks/presence`, { method: 'GET' })).status).toBe(405);
        expect((await sendHttp(`${base}/hooks/presence/`, { method: 'GET' })).status).toBe(405);
        expect((await sendHttp(`${base}/hooks/presence?secret=x`, enterWithData('koa-path', 1))).status).toBe(200);
        const other = await sendHttp(`${base}/hooks/presence-other`, { method: 'GET' });
        expect({ status: other.status, body: JSON.parse(other.text) as unknown }).toEqual({
          status: 200,
          body: { app: '/hooks/presence-other' },
        });
        await receiver.idle();
        expect(await receiver.store.channels()).toEqual(['koa-path']);
      } finally {
        await close();
      }
    });

    it('without a path it answers every request that reaches it (e.g. behind a router)', async () => {
      const app = new Lib();
      const middleware = presenceWebhooks(options);
      app.use(middleware);
      const { base, close } = await serve(app);
      try {
        const answer = await sendHttp(`${base}/anything`, { method: 'DELETE' });
        expect([answer.status, answer.headers.allow]).toEqual([405, 'POST']);
      } finally {
        await close();
      }
    });
  });
}
