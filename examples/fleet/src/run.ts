/**
 * Two instances of one fleet on one RedisStore (REDIS_URL, default redis://127.0.0.1:6379), each with its
 * websocket fan-out. Send Ably webhooks to either; a websocket client of either hears every change.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 ABLY_KEY=app.key:fleet-try-out-secret node dist/run.js
 */
import { RedisStore } from '@presence-webhooks/redis';
import { startInstance } from './instance.js';

const key = process.env.ABLY_KEY ?? 'fleetApp.fleetKey:fleet-secret-not-for-production';
// The change feed (feed: {}) is what emit 'everywhere' reads: without it each change would reach only the
// websockets of the instance that got its webhook. One hour of retention is plenty for a live fan-out.
const store = new RedisStore({
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.PREFIX ?? 'pw-fleet',
  feed: { retainMs: 60 * 60_000 },
});

const instances = await Promise.all(
  ['A', 'B'].map((name, i) => startInstance({ name, store, ablyKey: key, port: Number(process.env[`PORT_${name}`] ?? 3001 + i) })),
);
for (const instance of instances) console.log(`instance ${instance.name}: webhooks ${instance.url}, websockets ${instance.wsUrl}`);

const shutdown = async () => {
  for (const instance of instances) await instance.close();
  await store.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
