/**
 * Two receiver processes (the multi-instance example: Express, separate Node processes, real
 * HTTP) share one Redis. Signed Ably deliveries, shuffled and duplicated, are split at random
 * between them, several in flight at once: the shared set equals the in-order truth, and each
 * effective change is emitted exactly once across both processes (read from their stdout).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RedisStore } from '@presence-webhooks/redis';
import { generateAblyHistory, seededRandom } from '@presence-webhooks/testing/builders';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../examples/multi-instance-redis/src/config.js';
import { checkEmissions } from '../examples/multi-instance-redis/src/emissions.js';
import type { ReceiverProcess } from '../examples/multi-instance-redis/src/instances.js';
import { startReceiver } from '../examples/multi-instance-redis/src/instances.js';
import { compareWithTruth, sendStream } from '../examples/multi-instance-redis/src/stream.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const available = await redisAvailable();
const prefix = uniquePrefix('multi');

describe.skipIf(!available)('two receiver processes sharing one Redis', () => {
  const receivers: ReceiverProcess[] = [];
  const reader = new RedisStore({ url: REDIS_URL, prefix, redisOptions: { lazyConnect: true } });

  beforeAll(() => {
    // The processes run the built example: build it (and what it references) if it is not up to date.
    const root = fileURLToPath(new URL('..', import.meta.url));
    execFileSync(
      process.execPath,
      [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-b', 'examples/multi-instance-redis'],
      { cwd: root, stdio: 'inherit' },
    );
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
    await reader.clear();
    await reader.close();
  });

  it('start on two ports', async () => {
    receivers.push(await startReceiver({ instance: 'A', prefix, redisUrl: REDIS_URL }));
    receivers.push(await startReceiver({ instance: 'B', prefix, redisUrl: REDIS_URL }));
    expect(new Set(receivers.map((r) => r.url)).size).toBe(2);
  });

  for (const seed of [11, 12, 13]) {
    it(`seed ${seed}: the shared set equals the in-order truth; each effective change is emitted exactly once across both`, async () => {
      expect(receivers).toHaveLength(2);
      const channels = ['lobby', 'room-1', 'room-2'].map((c) => `s${seed}-${c}`);
      const history = generateAblyHistory({ seed, channels, clients: 10, steps: 300, start: Date.now() - 6 * 60_000 });
      const sent = await sendStream(history.entries, {
        urls: receivers.map((r) => r.url),
        key: DEMO_KEY,
        random: seededRandom(seed * 7),
        concurrency: 6,
        duplicateRate: 0.3,
      });
      expect(sent.answers).toEqual(new Map([['200', sent.deliveries]]));
      await Promise.all(receivers.map((r) => r.idle()));

      const comparison = await compareWithTruth(reader, history.truth, channels);
      expect(comparison.stored).toEqual(new Map(channels.map((c) => [c, history.truth.get(c) ?? []])));
      expect(comparison.equal).toBe(true);

      const lines = receivers.flatMap((r) => r.lines).filter((l) => l.channel !== undefined && channels.includes(l.channel));
      const emissions = checkEmissions(lines, comparison.stored);
      expect(emissions.duplicates).toEqual([]);
      expect(emissions.unbalanced).toEqual([]);
      // Both instances did real work: the deliveries were split between them.
      expect([...emissions.perInstance.keys()].sort()).toEqual(['A', 'B']);
      expect(receivers.flatMap((r) => r.errors)).toEqual([]);
    });
  }
});
