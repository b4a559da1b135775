// The simulator plays one stream into a fleet: several --url (two Express receivers sharing one RedisStore),
// each delivery to the next in turn; the set read from the first matches the in-order truth, and each
// instance took part of the load.
import { createReceiver } from '@presence-webhooks/core';
import type { Receiver } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { runCli, simulate } from '@presence-webhooks/testing/simulator';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startExpress, type RunningServer } from './helpers/express-server.js';
import { deleteKeys, redisAvailable, REDIS_URL, uniquePrefix } from './helpers/redis.js';

const KEY = 'fleetSim.fleetKey:fleetSimulatorSecret1234';
const prefix = uniquePrefix('simfleet');
const available = await redisAvailable();

afterAll(async () => {
  if (!available) return;
  const client = new Redis(REDIS_URL);
  await deleteKeys(client, prefix);
  await client.quit();
});

async function instance(name: string, counts: Map<string, number>): Promise<{ receiver: Receiver; server: RunningServer }> {
  const store = new RedisStore({ url: REDIS_URL, prefix });
  const receiver = createReceiver({ ably: { keys: [KEY] }, store, readEndpoint: true, onError: () => undefined });
  receiver.on('join', () => void counts.set(name, (counts.get(name) ?? 0) + 1));
  const server = await startExpress(receiver);
  return {
    receiver,
    server: {
      url: server.url,
      close: async () => {
        await server.close();
        await receiver.close();
        await store.close();
      },
    },
  };
}

describe.skipIf(!available)('simulate into a fleet (several URLs)', () => {
  it('round-robins the deliveries over the instances; the shared set matches the truth', async () => {
    const counts = new Map<string, number>();
    const a = await instance('a', counts);
    const b = await instance('b', counts);
    try {
      const report = await simulate({
        provider: 'ably',
        key: KEY,
        url: [a.server.url, b.server.url],
        channels: 4,
        members: 20,
        events: 200,
        durationMs: 10_000,
        timeScale: 40,
        seed: 21,
      });
      expect(report.verification.status).toBe('match');
      expect(report.target).toBe(`${a.server.url}, ${b.server.url}`);
      expect(counts.get('a') ?? 0).toBeGreaterThan(0);
      expect(counts.get('b') ?? 0).toBeGreaterThan(0);
    } finally {
      await a.server.close();
      await b.server.close();
    }
  });

  it('the command takes --url more than once', async () => {
    const out: string[] = [];
    const write = (text: string) => void out.push(text);
    const code = await runCli(
      ['simulate', '--provider', 'ably', '--key', KEY, '--url', 'http://127.0.0.1:9/x', '--url', 'ftp://nope', '--events', '10'],
      { env: {}, stdout: { write }, stderr: { write } },
    );
    expect(code).toBe(2);
    expect(out.join('\n')).toMatch(/url must be http:\/\/ or https:\/\/ \(got ftp:\/\/nope\)/);
  });
});
