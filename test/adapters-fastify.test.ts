/**
 * Fastify specifics over real HTTP (Fastify 5 and 4): the plugin is encapsulated, so the
 * application's own parsers, routes and server-wide bodyLimit stay as they were; its route reads
 * bytes with the receiver's limit; both ways of registering it work.
 */
import type { ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/fastify';
import { ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { sendHttp, SUITE_KEY } from '@presence-webhooks/testing/conformance';
import type { FastifyInstance } from 'fastify';
import fastify5 from 'fastify';
import fastify4 from 'fastify4';
import { bodyTooLarge } from '@presence-webhooks/core/adapter';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { until } from './helpers/until.js';
import { RECENT_MS } from './helpers/recent.js';

const options: ReceiverOptions = { ably: { keys: [SUITE_KEY] } };
let n = 0;

function enter(channel: string, padTo = 0) {
  n += 1;
  const presence = {
    id: `fc${n}:0:0`,
    clientId: `fastify-${n}`,
    connectionId: `fc${n}`,
    action: 2,
    timestamp: RECENT_MS + n,
    data: 'x'.repeat(padTo),
  };
  return ablyBatchRequest([ablyPresenceItem(channel, [presence])], { key: SUITE_KEY });
}

const json = (value: unknown) => ({
  headers: { 'content-type': 'application/json' },
  body: new TextEncoder().encode(JSON.stringify(value)),
});

async function serve(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}

type FastifyLib = typeof fastify5;

for (const [name, lib] of [
  ['Fastify 5', fastify5],
  ['Fastify 4', fastify4 as unknown as FastifyLib],
] as const) {
  describe(name, () => {
    it("leaves the application's JSON and text parsing, and its other routes, untouched", async () => {
      const app = lib();
      const plugin = presenceWebhooks(options);
      await app.register(plugin, { prefix: '/webhooks' });
      app.post('/api/echo', async (request) => ({
        type: Buffer.isBuffer(request.body) ? 'buffer' : typeof request.body,
        body: request.body,
      }));
      try {
        const base = await serve(app);
        const parsed = await sendHttp(`${base}/api/echo`, json({ hello: 'world' }));
        expect(JSON.parse(parsed.text)).toEqual({ type: 'object', body: { hello: 'world' } });
        const text = await sendHttp(`${base}/api/echo`, {
          headers: { 'content-type': 'text/plain' },
          body: new TextEncoder().encode('plain'),
        });
        expect(JSON.parse(text.text)).toEqual({ type: 'string', body: 'plain' });
        // The plugin's catch-all parser does not leak: the app still refuses what it has no parser for.
        const msgpack = await sendHttp(`${base}/api/echo`, {
          headers: { 'content-type': 'application/x-msgpack' },
          body: Uint8Array.from([0x80]),
        });
        expect(msgpack.status).toBe(415);
        expect(JSON.parse(msgpack.text)).toMatchObject({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
        // ...while the webhook route takes the same content type as bytes.
        expect((await sendHttp(`${base}/webhooks`, enter('fastify-routes', 0))).status).toBe(200);
        // An unsigned body reaches the receiver as bytes and is refused before parsing (not Fastify's JSON error).
        const notJson = await sendHttp(`${base}/webhooks`, json({ hello: 'world' }));
        expect([notJson.status, (JSON.parse(notJson.text) as { error: { code: string } }).error.code]).toEqual([401, 'unauthorized']);
      } finally {
        await app.close();
      }
    });

    it('is a fastify-plugin plugin with encapsulate: named, for Fastify 4.x || 5.x; its parser and error handler stay on the webhook routes', async () => {
      const plugin = presenceWebhooks(options);
      for (const registered of [plugin, presenceWebhooks] as unknown as Record<symbol, unknown>[]) {
        expect(registered[Symbol.for('plugin-meta')]).toMatchObject({
          name: '@presence-webhooks/fastify',
          fastify: '4.x || 5.x',
          encapsulate: true,
        });
        expect(registered[Symbol.for('skip-override')]).toBe(false);
      }
      const app = lib();
      await app.register(plugin, { prefix: '/webhooks' });
      app.post('/api/echo', async (request) => request.body);
      try {
        const base = await serve(app);
        expect(app.hasPlugin('@presence-webhooks/fastify')).toBe(true);
        // Broken JSON on the app's route: Fastify's own parser and error answer, not the plugin's.
        const broken = await sendHttp(`${base}/api/echo`, {
          headers: { 'content-type': 'application/json' },
          body: new TextEncoder().encode('{"a":'),
        });
        expect(broken.status).toBe(400);
        expect(JSON.parse(broken.text)).toMatchObject({ statusCode: 400, error: 'Bad Request' });
        expect((await sendHttp(`${base}/webhooks`, enter('fastify-plugin-meta'))).status).toBe(200);
      } finally {
        await app.close();
      }
    });

    it("the webhook route's limit is the receiver's; the server-wide bodyLimit still applies to the app's routes", async () => {
      const app = lib({ bodyLimit: 2048 });
      const plugin = presenceWebhooks({ ...options, bodyLimit: 16 * 1024 });
      await app.register(plugin, { prefix: '/webhooks' });
      app.post('/api/echo', async (request) => request.body);
      try {
        const base = await serve(app);
        expect((await sendHttp(`${base}/api/echo`, json({ pad: 'x'.repeat(4096) }))).status).toBe(413);
        expect((await sendHttp(`${base}/webhooks`, enter('fastify-limit', 8 * 1024))).status).toBe(200);
        const over = await sendHttp(`${base}/webhooks`, enter('fastify-limit', 16 * 1024));
        expect(over.status).toBe(413);
        expect(JSON.parse(over.text)).toEqual({ error: { code: 'payload_too_large', message: bodyTooLarge(16384).message } });
        await plugin.receiver.idle();
        expect((await plugin.receiver.store.members('fastify-limit')).length).toBe(1);
      } finally {
        await app.close();
      }
    });

    it('registers as it is, with a receiver or with receiver options; answers under the prefix with or without a trailing slash', async () => {
      const receiver = createReceiver(options);
      const app = lib();
      await app.register(presenceWebhooks, { receiver, prefix: '/with-receiver' });
      await app.register(presenceWebhooks, { ...options, prefix: '/with-options' });
      try {
        const base = await serve(app);
        expect((await sendHttp(`${base}/with-receiver`, enter('fastify-register'))).status).toBe(200);
        await receiver.idle();
        expect((await receiver.store.members('fastify-register')).length).toBe(1);
        for (const path of ['/with-options', '/with-options/', '/with-receiver/']) {
          const answer = await sendHttp(`${base}${path}`, { method: 'GET' });
          expect([path, answer.status, answer.headers.allow]).toEqual([path, 405, 'POST']);
        }
        expect((await sendHttp(`${base}/with-options`, enter('fastify-register'))).status).toBe(200);
      } finally {
        await app.close();
      }
    });

    it('fails the registration for a receiver that did not come from createReceiver, or options without a provider', async () => {
      const app = lib();
      const fake = { handle: () => undefined } as unknown as ReturnType<typeof createReceiver>;
      await expect(app.register(presenceWebhooks, { receiver: fake })).rejects.toThrow(/createReceiver/);
      await app.close();
      const other = lib();
      await expect(other.register(presenceWebhooks, { prefix: '/no-provider' })).rejects.toThrow(/configure at least one provider/);
      await other.close();
    });

    it('a client gone while an app hook ran, before the body was read: 400 invalid_body (client aborted), not 500 body_consumed', async () => {
      const app = lib();
      const rejected: { status: number; code: string }[] = [];
      let reached!: () => void;
      const inHook = new Promise<void>((resolve) => (reached = resolve));
      // An app's own async hook that is still running when the client goes away.
      app.addHook('preHandler', async (request) => {
        const closed = new Promise((resolve) => request.raw.socket.once('close', resolve));
        reached();
        await closed;
      });
      await app.register(
        presenceWebhooks({ ...options, onReject: (info) => void rejected.push({ status: info.status, code: info.code }) }),
        {
          prefix: '/webhooks',
        },
      );
      try {
        const base = new URL(await serve(app));
        const socket = connect(Number(base.port), base.hostname);
        await new Promise<void>((resolve) => socket.once('connect', resolve));
        socket.write(
          'POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n' + 'x'.repeat(100),
        );
        await inHook;
        socket.destroy();
        await until(() => rejected.length > 0, 'the refusal reported');
        expect(rejected).toEqual([{ status: 400, code: 'invalid_body' }]);
      } finally {
        await app.close();
      }
    });
  });
}
