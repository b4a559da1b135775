/**
 * Behind a proxy every request comes from the proxy's address. The guess throttle counts per client address
 * (20 wrong PubNub secrets a minute, then 429), so with the framework told which proxies to believe (Express
 * `trust proxy` as addresses or a hop count, Koa `app.proxy` with `app.maxIpsCount`, Fastify `trustProxy` as
 * addresses) the adapters hand core the client's address: a guesser behind the proxy is throttled whatever it
 * writes in front of the proxy's entry, and PubNub behind the same proxy is still accepted. A setting that believes
 * every entry (Express `trust proxy: true`, Koa `app.proxy` alone) would let a client pick its address: there, as
 * with no setting, the proxy is the client. Real HTTP through each framework, every request from one loopback
 * address: the proxy.
 */
import { createServer } from 'node:http';
import type { Receiver } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { presenceWebhooks as expressWebhooks } from '@presence-webhooks/express';
import { presenceWebhooks as fastifyWebhooks } from '@presence-webhooks/fastify';
import { presenceWebhooks as koaWebhooks } from '@presence-webhooks/koa';
import { pubnubEventItem, pubnubEventsRequest } from '@presence-webhooks/testing/builders';
import express5 from 'express';
import fastify5 from 'fastify';
import fastify4 from 'fastify4';
import Koa3 from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { express4, Koa2 } from './adapters-servers.js';
import { fromAddress } from './helpers/from-address.js';
import type { RunningServer } from './helpers/node-server.js';
import { listenOnLoopback, SERVER_TIMEOUTS } from './helpers/node-server.js';

const SECRET = 'proxy-pubnub-secret-0123456789';
const PROXY = '127.0.0.7';

type Start = (receiver: Receiver) => Promise<RunningServer>;

function onExpress(lib: typeof express5, trustProxy?: unknown): Start {
  return (receiver) => {
    const app = lib();
    if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
    app.use('/webhooks', expressWebhooks(receiver));
    return listenOnLoopback(createServer(SERVER_TIMEOUTS, app), '/webhooks');
  };
}

function onKoa(Lib: typeof Koa3, proxy: boolean, maxIpsCount = 0): Start {
  return (receiver) => {
    const app = new Lib();
    app.proxy = proxy;
    app.maxIpsCount = maxIpsCount;
    app.use(koaWebhooks(receiver, { path: '/webhooks' }));
    return listenOnLoopback(createServer(SERVER_TIMEOUTS, app.callback()), '/webhooks');
  };
}

function onFastify(lib: typeof fastify5, trustProxy: string | false): Start {
  return async (receiver) => {
    const app = lib({ trustProxy });
    await app.register(fastifyWebhooks, { receiver, prefix: '/webhooks' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const running = await listenOnLoopback(app.server, '/webhooks');
    return { url: running.url, close: () => app.close() };
  };
}

/** [framework, started believing the proxy (its address, or one hop), started believing every entry or none]. */
const FRAMEWORKS: [string, Start, [string, Start][]][] = [];
for (const [name, lib] of [
  ['Express 4', express4],
  ['Express 5', express5],
] as const)
  FRAMEWORKS.push([
    name,
    onExpress(lib, 'loopback'),
    [
      ['trust proxy: true', onExpress(lib, true)],
      ['no trust proxy', onExpress(lib)],
    ],
  ]);
for (const [name, Lib] of [
  ['Koa 2', Koa2],
  ['Koa 3', Koa3],
] as const)
  FRAMEWORKS.push([
    name,
    onKoa(Lib, true, 1),
    [
      ['app.proxy without maxIpsCount', onKoa(Lib, true)],
      ['no app.proxy', onKoa(Lib, false)],
    ],
  ]);
for (const [name, lib] of [
  ['Fastify 4', fastify4 as unknown as typeof fastify5],
  ['Fastify 5', fastify5],
] as const)
  FRAMEWORKS.push([name, onFastify(lib, PROXY), [['no trustProxy', onFastify(lib, false)]]]);

let running: { receiver: Receiver; server: RunningServer } | undefined;
afterEach(async () => {
  await running?.server.close();
  await running?.receiver.close();
  running = undefined;
});

function join(userId: string) {
  return pubnubEventsRequest('join', [
    pubnubEventItem({ id: userId, channel: 'room', userId, timestampMs: Date.now() - 60_000, occupancy: 1 }),
  ]);
}

/** A POST through the proxy with this X-Forwarded-For (what the client wrote, then what the proxy appended), with PubNub's `?secret=`. */
function post(url: string, forwardedFor: string, secret: string, userId: string) {
  const request = join(userId);
  return fromAddress(PROXY, `${url}?secret=${secret}`, {
    method: 'POST',
    headers: { ...request.headers, 'x-forwarded-for': forwardedFor },
    body: request.body,
  });
}

async function open(start: Start): Promise<string> {
  const receiver = createReceiver({ pubnub: { secret: SECRET } });
  const server = await start(receiver);
  running = { receiver, server };
  return server.url;
}

/** 21 wrong secrets from the guesser 203.0.113.7, each with another address of its own writing in front. */
async function guess(url: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < 21; i++) statuses.push((await post(url, `198.18.0.${i + 1}, 203.0.113.7`, `guess-${i}`, `g${i}`)).status);
  return statuses;
}

for (const [name, believing, others] of FRAMEWORKS) {
  describe(`${name} behind a proxy`, () => {
    it('told which proxy to believe: the guesser is throttled whatever it writes; PubNub behind the same proxy is accepted', async () => {
      const url = await open(believing);
      expect(await guess(url)).toEqual([...Array(20).fill(401), 429]);
      const accepted = await post(url, '198.51.100.9', SECRET, 'alice');
      expect(accepted.status).toBe(200);
      await running?.receiver.idle();
      expect((await running?.receiver.store.members('room'))?.map((m) => m.clientId)).toEqual(['alice']);
    });

    for (const [setting, start] of others)
      it(`${setting}: X-Forwarded-For is not believed (a client could pick its address); the proxy is the client`, async () => {
        const url = await open(start);
        expect(await guess(url)).toEqual([...Array(20).fill(401), 429]);
        expect((await post(url, '198.51.100.9', SECRET, 'alice')).status).toBe(429);
      });
  });
}
