/**
 * Behind a proxy every request comes from the proxy's address. The guess throttle counts per client address
 * (20 wrong PubNub secrets a minute, then 429), so with the framework's proxy trust set (Express `trust proxy`,
 * Koa `app.proxy`, Fastify `trustProxy`) the adapters hand core the client's address from X-Forwarded-For: a
 * guesser behind the proxy is throttled, and PubNub behind the same proxy is still accepted. Without that setting
 * X-Forwarded-For is ignored (a guesser cannot dodge the throttle by writing it), and the proxy is the client.
 * Real HTTP through each framework, every request from one loopback address: the proxy.
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

const FRAMEWORKS: [string, (receiver: Receiver, trustProxy: boolean) => Promise<RunningServer>][] = [
  ['Express', (receiver, trustProxy) => startExpress(receiver, (app) => app.set('trust proxy', trustProxy))],
  ['Koa', (receiver, trustProxy) => startKoa(receiver, SERVER_TIMEOUTS, trustProxy)],
  ['Fastify', (receiver, trustProxy) => startFastify(receiver, SERVER_TIMEOUTS, trustProxy)],
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

/** A POST through the proxy on behalf of `client` (its X-Forwarded-For), with PubNub's `?secret=`. */
function post(url: string, client: string, secret: string, userId: string) {
  const request = join(userId);
  return fromAddress(PROXY, `${url}?secret=${secret}`, {
    method: 'POST',
    headers: { ...request.headers, 'x-forwarded-for': client },
    body: request.body,
  });
}

for (const [name, start] of FRAMEWORKS) {
  describe(`${name} behind a proxy`, () => {
    async function open(trustProxy: boolean): Promise<string> {
      const receiver = createReceiver({ pubnub: { secret: SECRET } });
      const server = await start(receiver, trustProxy);
      running = { receiver, server };
      return server.url;
    }

    async function guess(url: string, client: (i: number) => string): Promise<number[]> {
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) statuses.push((await post(url, client(i), `guess-${i}`, `g${i}`)).status);
      return statuses;
    }

    it('with its proxy trust set: the guesser is throttled, PubNub behind the same proxy is accepted', async () => {
      const url = await open(true);
      expect(await guess(url, () => '203.0.113.7')).toEqual([...Array(20).fill(401), 429]);
      const accepted = await post(url, '198.51.100.9', SECRET, 'alice');
      expect(accepted.status).toBe(200);
      await running?.receiver.idle();
      expect((await running?.receiver.store.members('room'))?.map((m) => m.clientId)).toEqual(['alice']);
    });

    it('without it: X-Forwarded-For is ignored, so a guesser cannot dodge the throttle by writing it; the proxy is the client', async () => {
      const url = await open(false);
      expect(await guess(url, (i) => `203.0.113.${i + 1}`)).toEqual([...Array(20).fill(401), 429]);
      expect((await post(url, '198.51.100.9', SECRET, 'alice')).status).toBe(429);
    });
  });
}
