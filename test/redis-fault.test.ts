/**
 * Fault: the receiver's Redis connection is cut mid-stream (a loopback proxy that stops and
 * restarts, a connection reset, and CLIENT KILL) while signed deliveries keep coming with
 * provider-style retries, in after-store mode. After recovery the set equals the in-order truth,
 * with no unhandled rejection and no crash. The shared Redis server itself keeps running.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PresenceEventName } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { generateAblyHistory, seededRandom } from '@presence-webhooks/testing/builders';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { checkEmissions } from '../examples/multi-instance-redis/src/emissions.js';
import type { ReceiverLine } from '../examples/multi-instance-redis/src/instances.js';
import { compareWithTruth, sendStream } from '../examples/multi-instance-redis/src/stream.js';
import { startExpress } from './helpers/express-server.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';

const KEY = 'faultApp.faultKey:fault-secret';
const available = await redisAvailable();
const prefix = uniquePrefix('fault');

describe.skipIf(!available)('Redis connection faults mid-stream, after-store mode', () => {
  const reader = new RedisStore({ url: REDIS_URL, prefix, redisOptions: { lazyConnect: true } });
  const admin = new Redis(REDIS_URL, { lazyConnect: true });
  afterAll(async () => {
    await reader.clear();
    await reader.close();
    await admin.quit();
  });

  it('after recovery the set equals the truth; no unhandled rejection, no crash; each change emitted exactly once', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const proxy = await startTcpProxy(REDIS_URL);
    const store = new RedisStore({ url: proxy.url, prefix, redisOptions: { retryStrategy: () => 50, maxRetriesPerRequest: 1 } });
    const receiver = createReceiver({ ably: { keys: [KEY] }, store, ack: 'after-store' });
    const lines: ReceiverLine[] = [];
    for (const name of ['join', 'update', 'leave'] as const satisfies PresenceEventName[]) {
      receiver.on(
        name,
        (e) =>
          void lines.push({
            instance: 'in-process',
            event: name,
            channel: e.channel,
            clientId: e.member.clientId,
            connectionId: e.member.connectionId,
            timestamp: e.member.timestamp,
          }),
      );
    }
    const errors: Error[] = [];
    receiver.onError((e) => void errors.push(e));
    const server = await startExpress(receiver);
    const faults: string[] = [];
    let restored: Promise<void> = Promise.resolve();
    try {
      const history = generateAblyHistory({
        seed: 4242,
        channels: ['f-lobby', 'f-room-1', 'f-room-2'],
        clients: 10,
        steps: 400,
        start: Date.now() - 6 * 60_000, // realistic provider times: the history ends a few seconds ago
      });
      const sent = await sendStream(history.entries, {
        urls: [server.url],
        key: KEY,
        random: seededRandom(99),
        concurrency: 4,
        retry: { attempts: 60, baseDelayMs: 20, maxDelayMs: 250 },
        beforeSend: async (n) => {
          if (n === 8) {
            // An outage: connections dropped and refused for a while; deliveries keep coming meanwhile.
            faults.push('proxy down');
            await proxy.cut();
            restored = sleep(400).then(() => proxy.restore());
          } else if (n === 24) {
            faults.push('connection reset');
            proxy.reset();
          } else if (n === 36) {
            // CLIENT KILL of the store's own connection, by its id (asked once the outage is over).
            await restored;
            let id: unknown;
            for (let i = 0; id === undefined; i++) {
              try {
                id = await store.client.client('ID');
              } catch (error) {
                if (i > 50) throw error;
                await sleep(50);
              }
            }
            faults.push(`CLIENT KILL ID ${id}`);
            await admin.client('KILL', 'ID', String(id));
          }
        },
      });
      expect(faults).toHaveLength(3);
      // The outage was real: some answers were 503 (or no answer), and the provider's retries got every delivery in.
      expect([...sent.allAnswers.keys()].some((status) => status !== '200')).toBe(true);
      expect(sent.undelivered).toBe(0);
      expect(errors.some((e) => (e as Error & { code?: string }).code === 'store_failed')).toBe(true);
      await receiver.idle();

      const comparison = await compareWithTruth(reader, history.truth, [...history.truth.keys()]);
      expect(comparison.lines.filter((l) => l.includes('DIFFERS'))).toEqual([]);
      expect(comparison.equal).toBe(true);
      expect(await reader.channels()).toEqual([...history.truth.keys()].sort());
      // Each change emitted once: none twice, and none lost — a delivery whose script ran but whose
      // reply was cut off is answered 503, and the provider's retry (to this instance) replays its changes.
      const emissions = checkEmissions(lines, comparison.stored);
      expect(emissions.duplicates).toEqual([]);
      expect(emissions.unbalanced).toEqual([]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await server.close();
      await store.close();
      await proxy.close();
    }
  });
});
