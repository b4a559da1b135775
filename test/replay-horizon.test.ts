// A captured delivery replayed after the member left and the tombstone horizon passed brings nobody back:
// events older than maxEventAgeMs (default: the store's horizon) for members the store holds nothing of
// are stale. Real HTTP through Express; MemoryStore, and RedisStore when Redis is up.
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import type { PresenceStore, ReceiverOptions } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { postTo, startExpress } from './helpers/express-server.js';
import { deleteKeys, redisAvailable, REDIS_URL, uniquePrefix } from './helpers/redis.js';

const KEY = 'replayApp.replayKey:replaySecretForTheTests';
const HORIZON_MS = 300;
const prefix = uniquePrefix('replay');
const redisUp = await redisAvailable();

const stores: [string, () => PresenceStore][] = [['MemoryStore', () => new MemoryStore({ tombstoneHorizonMs: HORIZON_MS })]];
if (redisUp)
  stores.push([
    'RedisStore',
    () => new RedisStore({ url: REDIS_URL, prefix: `${prefix}:${Math.random()}`, tombstoneHorizonMs: HORIZON_MS }),
  ]);

afterAll(async () => {
  if (!redisUp) return;
  const client = new Redis(REDIS_URL);
  await deleteKeys(client, prefix);
  await client.quit();
});

async function replayAfterHorizon(store: PresenceStore, options: Partial<ReceiverOptions>): Promise<string[]> {
  const receiver = createReceiver({ ably: { keys: [KEY] }, store, ...options });
  const server = await startExpress(receiver);
  try {
    const at = Date.now(); // fresh: applied now; a replay HORIZON_MS * 3 later is older than the horizon
    const join = ablyBatchRequest(
      [ablyPresenceItem('vault', [{ id: 'cap:1:0', clientId: 'mallory', connectionId: 'cap', action: ABLY_ACTION.enter, timestamp: at }])],
      { key: KEY },
    );
    const leave = ablyBatchRequest(
      [
        ablyPresenceItem('vault', [
          { id: 'cap:2:0', clientId: 'mallory', connectionId: 'cap', action: ABLY_ACTION.leave, timestamp: at + 1 },
        ]),
      ],
      { key: KEY },
    );
    expect((await postTo(server.url, join)).status).toBe(200);
    await receiver.idle();
    expect((await store.members('vault')).map((m) => m.clientId)).toEqual(['mallory']); // the join was applied
    expect((await postTo(server.url, leave)).status).toBe(200);
    await receiver.idle();
    expect(await store.members('vault')).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, HORIZON_MS * 3)); // the tombstone is collected
    expect((await postTo(server.url, join)).status).toBe(200); // the captured join, replayed
    await receiver.idle();
    return (await store.members('vault')).map((m) => m.clientId);
  } finally {
    await server.close();
    await receiver.close();
    await store.close?.();
  }
}

describe('a replay after the tombstone horizon', () => {
  for (const [name, open] of stores) {
    it(`${name}: brings nobody back (the join is older than maxEventAgeMs, the store holds nothing of the member)`, async () => {
      expect(await replayAfterHorizon(open(), {})).toEqual([]);
    });
    it(`${name}: maxEventAgeMs: Infinity (replaying recorded fixtures) applies it again — the bound is what closes it`, async () => {
      expect(await replayAfterHorizon(open(), { maxEventAgeMs: Infinity })).toEqual(['mallory']);
    });
  }
});
