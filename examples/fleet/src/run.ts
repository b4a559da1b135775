/**
 * Two instances of one fleet on one RedisStore (REDIS_URL, default redis://127.0.0.1:6379), each with its
 * websocket fan-out. Send Ably webhooks to either; a websocket client of either hears every change.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 ABLY_KEY=app.key:secret node dist/run.js
 */
import type { PresenceStore } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { startInstance } from './instance.js';

const key = process.env.ABLY_KEY ?? 'fleetApp.fleetKey:fleet-secret-not-for-production';
const store = new RedisStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: process.env.PREFIX ?? 'pw-fleet' });
if ((store as PresenceStore).feed === undefined)
  console.warn(
    '!!! This RedisStore has no change feed yet: each change reaches only the websockets of the instance that got its webhook. emit "everywhere" needs a store with the feed.',
  );

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
