/**
 * @presence-webhooks/hono in an app on Hono's ESM build (`import`) and on its CommonJS build
 * (`require('hono')`, as a CommonJS app gets it): a context made by either build must work with
 * the middleware (no reading of one build's internals from the other: the dual-package hazard).
 * Each app is served over real HTTP by @hono/node-server, loaded the same way as Hono.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createReceiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/hono';
import { ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { sendHttp, SUITE_KEY } from '@presence-webhooks/testing/conformance';
import * as honoEsm from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from './helpers/run-command.js';
import { serveFetch, type WebServer } from './helpers/web-server.js';

const require = createRequire(import.meta.url);
type HonoModule = typeof honoEsm;

const BUILDS: [string, () => HonoModule][] = [
  ['ESM (import)', () => honoEsm],
  ['CommonJS (require)', () => require('hono') as HonoModule],
];

function enter(channel: string): ReturnType<typeof ablyBatchRequest> {
  const now = Date.now() - 60_000;
  return ablyBatchRequest(
    [ablyPresenceItem(channel, [{ id: `hb${now}:0:0`, clientId: 'hono-user', connectionId: 'hb1', action: 2, timestamp: now }])],
    { key: SUITE_KEY },
  );
}

describe('@presence-webhooks/hono with either Hono build', () => {
  const servers: WebServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  it('the CommonJS build really is another module instance', () => {
    expect((require('hono') as HonoModule).Hono).not.toBe(honoEsm.Hono);
  });

  it.each(BUILDS)('%s: deliveries on app.use("/webhooks/*") and reads under it', async (_, load) => {
    const { Hono } = load();
    const receiver = createReceiver({ ably: { keys: [SUITE_KEY] }, readEndpoint: { token: 'read-token-for-hono-builds' } });
    const app = new Hono();
    app.use('/webhooks/*', presenceWebhooks(receiver));
    app.get('/other', (c) => c.text('other'));
    const server = await serveFetch(app.fetch);
    servers.push(server);
    try {
      const answer = await sendHttp(`${server.base}/webhooks`, enter('hono-room'));
      expect([answer.status, JSON.parse(answer.text)]).toEqual([200, { ok: true, events: 1, rejected: 0 }]);
      const read = await sendHttp(`${server.base}/webhooks/channels/hono-room/members`, {
        method: 'GET',
        headers: { authorization: 'Bearer read-token-for-hono-builds' },
      });
      expect(read.status).toBe(200);
      expect(JSON.stringify(JSON.parse(read.text))).toContain('hono-user');
      expect((await sendHttp(`${server.base}/other`, { method: 'GET' })).text).toBe('other');
    } finally {
      await receiver.close();
    }
  });

  it('a CommonJS app that requires hono and @presence-webhooks/hono (the built package, require(esm))', async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    await runCommand(process.execPath, [tsc, '-b', join(root, 'packages/hono')], root, 180_000);
    const { Hono } = require('hono') as HonoModule;
    const middlewareModule = require('@presence-webhooks/hono') as { presenceWebhooks: typeof presenceWebhooks };
    const middleware = middlewareModule.presenceWebhooks({ ably: { keys: [SUITE_KEY] } });
    const app = new Hono();
    app.use('/webhooks/*', middleware);
    const server = await serveFetch(app.fetch);
    servers.push(server);
    try {
      const answer = await sendHttp(`${server.base}/webhooks`, enter('cjs-room'));
      expect([answer.status, JSON.parse(answer.text)]).toEqual([200, { ok: true, events: 1, rejected: 0 }]);
      expect((await middleware.receiver.store.members('cjs-room')).map((m) => m.clientId)).toEqual(['hono-user']);
    } finally {
      await middleware.receiver.close();
    }
  }, 200_000);

  it.each(BUILDS)('%s: app.post("/tenants/:id/hook") mounts on the matched path', async (_, load) => {
    const { Hono } = load();
    const middleware = presenceWebhooks({ ably: { keys: [SUITE_KEY] } });
    const app = new Hono();
    app.post('/tenants/:id/hook', middleware);
    const server = await serveFetch(app.fetch);
    servers.push(server);
    try {
      expect((await sendHttp(`${server.base}/tenants/7/hook`, enter('tenant-room'))).status).toBe(200);
      expect((await middleware.receiver.store.members('tenant-room')).map((m) => m.clientId)).toEqual(['hono-user']);
    } finally {
      await middleware.receiver.close();
    }
  });
});
