/**
 * Slow and hostile clients over real HTTP, with raw sockets, on Express 5, Koa 3, Fastify 5 and Hono 4 on
 * @hono/node-server (which reads Node's request as the others do):
 * - a body trickled one byte every 100 ms is cut at the receiver's `bodyTimeoutMs` (408, closed);
 * - partial bodies past `maxInFlightBytes` are refused at once (503 + Retry-After, closed), and
 *   the bytes they held are released when they go away;
 * - slow headers are cut by the server's `headersTimeout` (set by the test servers, as the
 *   READMEs and example servers recommend), before any middleware runs;
 * and a normal signed delivery still lands during and after each.
 */
import type { Receiver, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { sendHttp, SUITE_KEY } from '@presence-webhooks/testing/conformance';
import { describe, expect, it } from 'vitest';
import { startExpress } from './helpers/express-server.js';
import { startFastify } from './helpers/fastify-server.js';
import { startHono } from './helpers/hono-server.js';
import { startKoa } from './helpers/koa-server.js';
import type { RunningServer, ServerTimeouts } from './helpers/node-server.js';
import { RawConnection, requestHead } from './helpers/raw-http-client.js';
import { RECENT_MS } from './helpers/recent.js';

/** Short server timeouts; the whole-request one stays above every `bodyTimeoutMs` used here. */
const TIMEOUTS: ServerTimeouts = { headersTimeout: 300, requestTimeout: 20_000, connectionsCheckingInterval: 100 };
const KIB = 1024;

const FRAMEWORKS: readonly [string, (receiver: Receiver) => Promise<RunningServer>][] = [
  ['Express 5', (receiver) => startExpress(receiver, undefined, TIMEOUTS)],
  ['Koa 3', (receiver) => startKoa(receiver, TIMEOUTS)],
  ['Fastify 5', (receiver) => startFastify(receiver, TIMEOUTS)],
  ['Hono 4 (@hono/node-server)', (receiver) => startHono(receiver, TIMEOUTS)],
];

let n = 0;
function enter(channel: string) {
  n += 1;
  const presence = { id: `slow${n}:0:0`, clientId: `slow-${n}`, connectionId: `slow${n}`, action: 2, timestamp: RECENT_MS + n };
  return ablyBatchRequest([ablyPresenceItem(channel, [presence])], { key: SUITE_KEY });
}

/** A normal signed delivery: answered 200, and its member is in the store. */
async function lands(url: string, receiver: Receiver, channel: string): Promise<void> {
  const answer = await sendHttp(url, enter(channel));
  expect([channel, answer.status]).toEqual([channel, 200]);
  await receiver.idle();
  expect((await receiver.store.members(channel)).length).toBe(1);
}

/** Wait for a condition the server reaches by itself (bounded by the test's timeout). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

function errorCode(body: string): unknown {
  return (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
}

async function withServer(
  name: string,
  options: Partial<ReceiverOptions>,
  run: (url: string, receiver: Receiver) => Promise<void>,
): Promise<void> {
  const start = FRAMEWORKS.find(([framework]) => framework === name)?.[1];
  if (start === undefined) throw new Error(name);
  const receiver = createReceiver({ ably: { keys: [SUITE_KEY] }, ...options });
  const server = await start(receiver);
  try {
    await run(server.url, receiver);
  } finally {
    await server.close();
    await receiver.close();
  }
}

for (const [name] of FRAMEWORKS) {
  describe(`${name}: slow and hostile clients`, () => {
    it(
      'a body trickled one byte every 100 ms gets 408 request_timeout at bodyTimeoutMs and the connection is closed',
      { timeout: 20_000 },
      async () => {
        await withServer(name, { bodyTimeoutMs: 500 }, async (url, receiver) => {
          const signed = enter('trickled');
          const withLength = new RawConnection(url);
          withLength.write(requestHead('/webhooks', { ...signed.headers, 'content-length': String(signed.body.byteLength) }));
          withLength.trickle(signed.body, 100);
          const chunked = new RawConnection(url);
          chunked.write(requestHead('/webhooks', { ...signed.headers, 'transfer-encoding': 'chunked' }));
          chunked.trickle(`${signed.body.byteLength.toString(16)}\r\n${Buffer.from(signed.body).toString('latin1')}\r\n0\r\n\r\n`, 100);

          await lands(url, receiver, 'during-trickle');
          for (const connection of [withLength, chunked]) {
            const answer = await connection.answer;
            expect(answer?.status).toBe(408);
            expect(answer?.headers.connection).toBe('close');
            expect(errorCode(answer?.body ?? '{}')).toBe('request_timeout');
            expect(await connection.closedByServer).toBe(true);
          }
          expect(await receiver.store.members('trickled')).toEqual([]);
          expect(receiver.limits.inFlight.current).toBe(0);
          await lands(url, receiver, 'after-trickle');
        });
      },
    );

    it(
      'partial bodies past maxInFlightBytes get 503 server_busy with Retry-After; what they held is released when they go',
      { timeout: 20_000 },
      async () => {
        // Room for four declared 16 KiB bodies, and 8 KiB more.
        await withServer(name, { maxInFlightBytes: 4 * 16 * KIB + 8 * KIB }, async (url, receiver) => {
          const { headers } = enter('partial');
          const partial = requestHead('/webhooks', { ...headers, 'content-length': String(16 * KIB) });
          const holders = Array.from({ length: 4 }, () => new RawConnection(url));
          for (const holder of holders) {
            holder.write(partial);
            holder.write(Buffer.alloc(8 * KIB, 0x20));
          }
          await until(() => receiver.limits.inFlight.current === 4 * 16 * KIB);

          const refused = Array.from({ length: 16 }, () => new RawConnection(url));
          for (const connection of refused) connection.write(partial);
          // A chunked body is counted chunk by chunk: 9 KiB do not fit in the 8 KiB left.
          const chunked = new RawConnection(url);
          chunked.write(requestHead('/webhooks', { ...headers, 'transfer-encoding': 'chunked' }));
          chunked.write(`${(9 * KIB).toString(16)}\r\n${' '.repeat(9 * KIB)}\r\n`);
          for (const connection of [...refused, chunked]) {
            const answer = await connection.answer;
            expect(answer?.status).toBe(503);
            expect(answer?.headers['retry-after']).toBe('1');
            expect(answer?.headers.connection).toBe('close');
            expect(errorCode(answer?.body ?? '{}')).toBe('server_busy');
            expect(await connection.closedByServer).toBe(true);
          }

          await lands(url, receiver, 'during-partial');
          expect(receiver.limits.inFlight.current).toBe(4 * 16 * KIB);
          for (const holder of holders) holder.destroy();
          await until(() => receiver.limits.inFlight.current === 0);
          await lands(url, receiver, 'after-partial');
          expect(receiver.limits.inFlight.current).toBe(0);
        });
      },
    );

    it(
      "100 slow-header connections are closed by the server's headersTimeout, before the adapter sees them",
      { timeout: 20_000 },
      async () => {
        await withServer(name, {}, async (url, receiver) => {
          const slow = Array.from({ length: 100 }, () => new RawConnection(url));
          await Promise.all(slow.map((connection) => connection.connected));
          for (const connection of slow) {
            connection.write('POST /webhooks HTTP/1.1\r\nhost: 127.0.0.1\r\n');
            connection.trickle(`x-slow: ${'a'.repeat(1000)}\r\n\r\n`, 100);
          }
          await lands(url, receiver, 'during-slow-headers');
          for (const connection of slow) {
            expect(await connection.closedByServer).toBe(true);
            const answer = await connection.answer;
            if (answer !== undefined) expect(answer.status).toBe(408);
          }
          expect(receiver.limits.inFlight.current).toBe(0);
          await lands(url, receiver, 'after-slow-headers');
        });
      },
    );
  });
}
