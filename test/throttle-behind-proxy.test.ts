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
import type { Receiver } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { pubnubEventItem, pubnubEventsRequest } from '@presence-webhooks/testing/builders';
import { afterEach, describe, expect, it } from 'vitest';
import { startExpress } from './helpers/express-server.js';
import { startFastify } from './helpers/fastify-server.js';
import { fromAddress } from './helpers/from-address.js';
import { startKoa } from './helpers/koa-server.js';
import type { RunningServer } from './helpers/node-server.js';
import { SERVER_TIMEOUTS } from './helpers/node-server.js';

const SECRET = 'proxy-pubnub-secret-0123456789';
const PROXY = '127.0.0.7';

type Start = (receiver: Receiver) => Promise<RunningServer>;
/** [framework, started believing the proxy (one hop / its address), started believing every entry or none]. */
const FRAMEWORKS: [string, Start, [string, Start][]][] = [
  [
    'Express',
    (receiver) => startExpress(receiver, (app) => app.set('trust proxy', 'loopback')),
    [
      ['trust proxy: true', (receiver) => startExpress(receiver, (app) => app.set('trust proxy', true))],
      ['no trust proxy', (receiver) => startExpress(receiver)],
    ],
  ],
  [
    'Koa',
    (receiver) =>
      startKoa(receiver, SERVER_TIMEOUTS, (app) => {
        app.proxy = true;
        app.maxIpsCount = 1;
      }),
    [
      ['app.proxy without maxIpsCount', (receiver) => startKoa(receiver, SERVER_TIMEOUTS, (app) => void (app.proxy = true))],
      ['no app.proxy', (receiver) => startKoa(receiver)],
    ],
  ],
  ['Fastify', (receiver) => startFastify(receiver, SERVER_TIMEOUTS, PROXY), [['no trustProxy', (receiver) => startFastify(receiver)]]],
];

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
