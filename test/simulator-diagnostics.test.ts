/**
 * What the simulator's check before the load says, over real HTTP, against the Express, Koa and
 * Fastify adapters: a wrong path in `url` stops the run at once (404: nothing mounted there, no
 * webhook sent, no retries); a receiver without a read endpoint is told apart from no receiver; and
 * the check leaves nothing in the server's log (no `405 method_not_allowed` warning) nor in its
 * rejection counters.
 */
import type { Receiver } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { simulate } from '@presence-webhooks/testing/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { startExpress } from './helpers/express-server.js';
import { startFastify } from './helpers/fastify-server.js';
import { startKoa } from './helpers/koa-server.js';
import type { RunningServer } from './helpers/node-server.js';

const KEY = 'diagApp.diagKey:simulator-diagnostics-secret';
const SERVERS: [string, (receiver: Receiver) => Promise<RunningServer>][] = [
  ['Express', (receiver) => startExpress(receiver)],
  ['Koa', startKoa],
  ['Fastify', startFastify],
];

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(start: (receiver: Receiver) => Promise<RunningServer>, readEndpoint?: { token: string }) {
  const logged: string[] = [];
  const receiver = createReceiver({
    ably: { keys: [KEY] },
    ...(readEndpoint === undefined ? {} : { readEndpoint }),
    logger: { warn: (message) => void logged.push(message) },
  });
  const server = await start(receiver);
  cleanups.push(
    () => receiver.close(),
    () => server.close(),
  );
  return { receiver, server, logged };
}

/** A run that would last minutes if it started: the test ends only because the check stopped it. */
const LONG = { provider: 'ably', key: KEY, channels: 3, members: 20, events: 2000, durationMs: 600_000, timeScale: 1 } as const;
const SHORT = { provider: 'ably', key: KEY, channels: 3, members: 20, events: 60, durationMs: 5_000, timeScale: 50 } as const;

describe.each(SERVERS)('the simulator against %s', (_, start) => {
  it('a wrong path: stopped before any webhook, "nothing is mounted" with the 404', async () => {
    const { server, logged, receiver } = await serve(start, { token: 'diagnostics-read-token' });
    const report = await simulate({ ...LONG, url: server.url.replace(/\/webhooks$/, '/hooks'), readToken: 'diagnostics-read-token' });
    expect(report.requests).toBe(0);
    expect(report.preflight).toMatchObject({
      status: 'not_mounted',
      reason: expect.stringMatching(/nothing is mounted at .*\/hooks: GET .* answered 404/),
    });
    expect(logged).toEqual([]);
    expect(receiver.stats().rejections).toEqual({});
  });

  it('a receiver without a read endpoint: the load runs, not compared, and the check logs nothing', async () => {
    const { server, logged, receiver } = await serve(start);
    const report = await simulate({ ...SHORT, url: server.url });
    expect(report.preflight).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('read_endpoint_off') });
    expect(report.verification).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('enable its readEndpoint option') });
    expect(report.deliveries).toBeGreaterThan(0);
    expect(logged).toEqual([]); // neither the check nor the read-back left a refusal in the log
    expect(receiver.stats().rejections).toEqual({});
  });

  it('a receiver with a read endpoint: checked, loaded and compared, nothing logged', async () => {
    const { server, logged } = await serve(start, { token: 'diagnostics-read-token' });
    const report = await simulate({ ...SHORT, url: server.url, readToken: 'diagnostics-read-token' });
    expect(report.preflight).toEqual({ status: 'ok' });
    expect(report.verification.status).toBe('match');
    expect(logged).toEqual([]);
  });
});
