/**
 * examples/fleet: two instances (Express, emit 'everywhere') sharing one store, each with its websocket
 * fan-out. A signed delivery posted to instance A reaches the websocket clients of both, once each.
 * The store is a RedisStore with its change feed (as examples/fleet/src/run.ts makes it); without Redis (a
 * laptop, outside CI) a MemoryStore shared by the two instances in this process, said in one loud line.
 */
import { readFileSync } from 'node:fs';
import { MemoryStore } from '@presence-webhooks/core';
import type { PresenceStore } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem, type RawAblyPresence } from '@presence-webhooks/testing/builders';
import { sendHttp } from '@presence-webhooks/testing/conformance';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type Listener } from '../examples/fleet/src/client.js';
import { startInstance, type FleetInstance } from '../examples/fleet/src/instance.js';
import { REDIS_URL, deleteKeys, redisAvailable, uniquePrefix } from './helpers/redis.js';

const KEY = 'fleetApp.fleetKey:fleet-secret-for-the-tests-1234';
const MINUTE = 60_000;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** The fleet's store: a RedisStore with its feed, as run.ts makes it (a shared MemoryStore only without Redis). */
async function sharedStore(): Promise<PresenceStore> {
  if (await redisAvailable()) {
    const prefix = uniquePrefix('fleet');
    const redis = new RedisStore({ url: REDIS_URL, prefix, feed: { retainMs: 60 * 60_000 } });
    expect(redis.feed).toBeDefined();
    cleanup.push(async () => {
      await redis.close();
      const client = new Redis(REDIS_URL);
      await deleteKeys(client, prefix);
      client.disconnect();
    });
    return redis;
  }
  console.warn('\n!!! examples/fleet test: no Redis: the two instances share one MemoryStore in this process !!!\n');
  return new MemoryStore();
}

async function fleet(store: PresenceStore): Promise<FleetInstance[]> {
  const errors: Error[] = [];
  const instances = await Promise.all(
    ['A', 'B'].map((name) => startInstance({ name, store, ablyKey: KEY, onError: (e) => errors.push(e) })),
  );
  cleanup.push(async () => {
    for (const instance of instances) await instance.close();
    expect(errors).toEqual([]);
  });
  return instances;
}

async function client(instance: FleetInstance): Promise<Listener> {
  const listener = await listen(instance.wsUrl);
  cleanup.push(() => listener.close());
  return listener;
}

function presence(clientId: string, connectionId: string, serial: number, action: number, at: number): RawAblyPresence {
  return { id: `${connectionId}:${serial}:0`, clientId, connectionId, action, timestamp: at };
}

async function post(instance: FleetInstance, channel: string, ...items: RawAblyPresence[]): Promise<void> {
  const answer = await sendHttp(instance.url, ablyBatchRequest([ablyPresenceItem(channel, items)], { key: KEY }));
  expect(answer.status).toBe(200);
}

const heard = (listener: Listener) => listener.messages.map((m) => `${m.instance} ${m.name} ${String(m.event.userId ?? m.event.channel)}`);

describe('examples/fleet', () => {
  it('a delivery posted to instance A reaches the websocket clients of A and of B, each event once', async () => {
    const store = await sharedStore();
    const [a, b] = (await fleet(store)) as [FleetInstance, FleetInstance];
    const [onA, onB] = [await client(a), await client(b)];
    const t0 = Date.now() - 6 * MINUTE;

    await post(a, 'room-1', presence('alice', 'tab-1', 1, ABLY_ACTION.enter, t0));
    await Promise.all([onA.waitFor(3), onB.waitFor(3)]);
    // A second delivery, also to A: whatever arrives before its events would be a duplicate of the first.
    await post(a, 'room-1', presence('bob', 'phone-1', 1, ABLY_ACTION.enter, t0 + 1000));
    await Promise.all([onA.waitFor(6), onB.waitFor(6)]);
    await Promise.all([a.receiver.idle(), b.receiver.idle()]);

    const expected = ['join room-1', 'user.join alice', 'user.online alice', 'join room-1', 'user.join bob', 'user.online bob'];
    expect(heard(onA)).toEqual(expected.map((e) => `A ${e}`));
    expect(heard(onB)).toEqual(expected.map((e) => `B ${e}`)); // B never got a webhook
    const online = (l: Listener) => l.messages.find((m) => m.name === 'user.online')?.event;
    expect(online(onB)).toEqual(online(onA));
    expect(online(onA)).toEqual({ userId: 'alice', at: t0, channel: 'room-1', provider: 'ably' });
  });

  it("the room list: people with an online dot, and 'last seen 5 min ago' for who left", async () => {
    const store = await sharedStore();
    const [a, b] = (await fleet(store)) as [FleetInstance, FleetInstance];
    const t0 = Date.now() - 7 * MINUTE;
    await post(a, 'room-1', presence('alice', 'tab-1', 1, ABLY_ACTION.enter, t0), presence('bob', 'tab-2', 1, ABLY_ACTION.enter, t0));
    await post(a, 'room-2', presence('carol', 'tab-3', 1, ABLY_ACTION.enter, t0));
    await post(a, 'room-1', presence('bob', 'tab-2', 2, ABLY_ACTION.leave, Date.now() - 5 * MINUTE - 10_000));
    await a.receiver.idle();

    const page = await sendHttp(`${b.url.replace('/webhooks', '')}/rooms/room-1?roster=alice,bob,carol,dan`, { method: 'GET' });
    expect(JSON.parse(page.text)).toEqual({
      room: 'room-1',
      people: ['● alice', '○ bob, last seen 5 min ago', '◐ carol (in room-2)', '○ dan, not seen yet'],
    });
  });

  it('the core README shows the same room list code', () => {
    const readme = readFileSync(new URL('../packages/core/README.md', import.meta.url), 'utf8');
    const source = readFileSync(new URL('../examples/fleet/src/room.ts', import.meta.url), 'utf8');
    const body = source.slice(source.indexOf('export function ago'));
    for (const line of body.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('*') && !l.trim().startsWith('/**')))
      expect(readme).toContain(line);
  });
});
