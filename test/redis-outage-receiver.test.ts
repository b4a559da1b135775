/**
 * The receiver in `ack: 'after-store'` on a RedisStore whose server (the test's own redis-server,
 * append-only, on a free port) is shut down mid-stream and restarted on the same port a moment
 * later, while signed Ably deliveries keep coming with provider-style retries over real HTTP.
 * Every request gets an answer (a client-side timeout far above `ackTimeoutMs` is never hit), no
 * request sent while Redis is down is answered 200 before it is restarted, and once the stream is in
 * the set equals the in-order truth.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createReceiver } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import type { BuiltRequest } from '@presence-webhooks/testing/builders';
import { ablyBatchRequest, generateAblyHistory, seededRandom } from '@presence-webhooks/testing/builders';
import { ablyDeliveries } from '@presence-webhooks/testing/simulator';
import { afterAll, describe, expect, it } from 'vitest';
import { compareWithTruth } from '../examples/multi-instance-redis/src/stream.js';
import { startExpress } from './helpers/express-server.js';
import { freePort, killRedis, shutdownRedis, startRedis, waitForPing } from './helpers/own-redis.js';
import { redisAvailable } from './helpers/redis.js';

const available = await redisAvailable();
const KEY = 'outageApp.outageKey:outage-secret';
const ACK_TIMEOUT_MS = 500;
/** The client gives up on an answer after this: far above the bound the receiver promises. */
const CLIENT_TIMEOUT_MS = ACK_TIMEOUT_MS + 3000;
const ATTEMPTS = 80;

/** One try of one delivery: when it was sent and answered, and how ('hang' when the client timeout hit). */
interface Try {
  sentAt: number;
  answeredAt: number;
  status: number | 'hang' | 'network';
  code?: string;
}

async function post(url: string, request: BuiltRequest): Promise<Try> {
  const sentAt = Date.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    const text = await response.text();
    const code = response.ok ? undefined : (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    return { sentAt, answeredAt: Date.now(), status: response.status, ...(code === undefined ? {} : { code }) };
  } catch (error) {
    const hang = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { sentAt, answeredAt: Date.now(), status: hang ? 'hang' : 'network' };
  }
}

/** The provider's way: resend until 200, bounded tries, small growing backoff. */
async function deliver(url: string, request: BuiltRequest, tries: Try[]): Promise<boolean> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(Math.min(300, 25 * 2 ** (attempt - 1)));
    const outcome = await post(url, request);
    tries.push(outcome);
    if (outcome.status === 200) return true;
  }
  return false;
}

describe.skipIf(!available)('after-store receiver on a Redis that is shut down and restarted mid-stream', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-redis-outage-receiver-'));
  let server: ChildProcess | undefined;
  afterAll(async () => {
    await killRedis(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'answers every request within the bound, never 200 while Redis is down, and ends equal to the truth',
    { timeout: 90_000 },
    async () => {
      const port = await freePort();
      const url = `redis://127.0.0.1:${port}`;
      server = startRedis(port, dir);
      await waitForPing(url);
      const store = new RedisStore({ url, prefix: 'outage-receiver', redisOptions: { retryStrategy: () => 50 } });
      const receiver = createReceiver({
        ably: { keys: [KEY] },
        store,
        ack: 'after-store',
        ackTimeoutMs: ACK_TIMEOUT_MS,
        onError: () => undefined,
        onReject: () => undefined,
      });
      const http = await startExpress(receiver);
      const history = generateAblyHistory({
        seed: 1818,
        channels: ['o-lobby', 'o-room-1', 'o-room-2'],
        clients: 8,
        steps: 300,
        start: Date.now() - 6 * 60_000, // realistic provider times: the history ends a few seconds ago
      });
      const random = seededRandom(18);
      const plan = ablyDeliveries(history.entries, random, { maxItems: 4, maxPerItem: 4, duplicateRate: 0.2 }).map((items) =>
        ablyBatchRequest(items, { key: KEY }),
      );
      const tries: Try[] = [];
      let down: { from: number; to: number } | undefined;
      let outage: Promise<void> | undefined;
      try {
        let next = 0;
        let undelivered = 0;
        const worker = async () => {
          while (next < plan.length) {
            const n = next++;
            if (n === 12) {
              // SHUTDOWN (the append-only file is flushed), wait for the exit, and restart 4 s later.
              outage = (async () => {
                await shutdownRedis(url, server as ChildProcess);
                const from = Date.now();
                await sleep(4000);
                // Down until the restart: the store may reconnect before this test's own PING answers.
                down = { from, to: Date.now() };
                server = startRedis(port, dir);
                await waitForPing(url);
              })();
            }
            if (!(await deliver(http.url, plan[n] as BuiltRequest, tries))) undelivered++;
          }
        };
        await Promise.all(Array.from({ length: 4 }, worker));
        await outage;
        await receiver.idle();

        expect(down).toBeDefined();
        const window = down as { from: number; to: number };
        // Every request was answered: none hit the client's timeout, none lost its connection.
        expect(tries.filter((t) => t.status === 'hang' || t.status === 'network')).toEqual([]);
        // The outage was seen: requests sent while Redis was down were refused 503 store_failed.
        const sentWhileDown = tries.filter((t) => t.sentAt >= window.from && t.answeredAt <= window.to);
        expect(sentWhileDown.length).toBeGreaterThan(0);
        expect(sentWhileDown.filter((t) => t.status !== 503 || t.code !== 'store_failed')).toEqual([]);
        expect(tries.filter((t) => t.status !== 200 && t.status !== 503)).toEqual([]);
        expect(undelivered).toBe(0);

        const comparison = await compareWithTruth(store, history.truth, [...history.truth.keys()]);
        expect(comparison.lines.filter((l) => l.includes('DIFFERS'))).toEqual([]);
        expect(comparison.equal).toBe(true);
        expect(await store.channels()).toEqual([...history.truth.keys()].filter((c) => (history.truth.get(c) ?? []).length > 0).sort());
      } finally {
        await outage?.catch(() => undefined);
        await http.close();
        await receiver.close();
        await store.close();
      }
      await killRedis(server);
    },
  );
});
