/**
 * Two receiver instances (each its own RedisStore on one Redis and prefix, change feed on), over real
 * HTTP: with emit 'everywhere' each instance emits every change once, whichever instance applied it;
 * with emit 'once' a change is emitted by one instance, and a change committed by an instance that died
 * before emitting it (store.apply without the receiver) is claimed and emitted once by another.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JoinEvent, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from './helpers/express-server.js';
import { postTo, startExpress } from './helpers/express-server.js';
import { presenceEvent } from './helpers/presence-event.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';
import { until } from './helpers/until.js';
import { Redis } from 'ioredis';

const KEY = 'fleetApp.fleetKey:fleet-secret';
const available = await redisAvailable();
const prefix = uniquePrefix('fleet');

/** One member entering `channels`, a minute ago. */
function delivery(clientId: string, channels: string[]) {
  const message = {
    id: `conn-${clientId}:0:0`,
    clientId,
    connectionId: `conn-${clientId}`,
    action: ABLY_ACTION.enter,
    timestamp: Date.now() - 60_000,
  };
  return ablyBatchRequest(
    channels.map((c) => ablyPresenceItem(c, [message])),
    { key: KEY },
  );
}

describe.skipIf(!available)('two receivers on one RedisStore feed', () => {
  const admin = new Redis(REDIS_URL, { lazyConnect: true });
  const open: { server: RunningServer; store: RedisStore; close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const instance of open) {
      await instance.server.close();
      await instance.close();
      await instance.store.close();
    }
    await deleteKeys(admin, prefix);
    await admin.quit();
  });

  async function instance(namespace: string, options: Partial<ReceiverOptions>) {
    const store = new RedisStore({ url: REDIS_URL, prefix: `${prefix}:${namespace}`, feed: {} });
    const receiver = createReceiver({ ably: { keys: [KEY] }, store, ...options });
    const joins: JoinEvent[] = [];
    receiver.on('join', (e) => void joins.push(e));
    await receiver.ready();
    const server = await startExpress(receiver);
    open.push({ server, store, close: () => receiver.close() });
    return { receiver, server, store, joins };
  }

  it("emit 'everywhere': each instance emits every change once, whichever instance applied it", async () => {
    const a = await instance('everywhere', { emit: 'everywhere' });
    const b = await instance('everywhere', { emit: 'everywhere' });
    // Each instance reads the feed from its head, taken once it started: a warm-up join heard by b says b's
    // reader is in place (a change committed before an instance took its head is not its to emit).
    for (let i = 0; i < 50 && b.joins.length === 0; i++) {
      expect((await postTo(a.server.url, delivery(`warm-${i}`, ['warm-up']))).status).toBe(200);
      await sleep(100);
    }
    expect((await postTo(a.server.url, delivery('alice', ['e-1', 'e-2']))).status).toBe(200);
    expect((await postTo(b.server.url, delivery('bob', ['e-1']))).status).toBe(200);
    const seen = (joins: JoinEvent[]) =>
      joins
        .filter((j) => j.channel !== 'warm-up')
        .map((j) => `${j.channel}/${j.member.clientId}`)
        .sort();
    const all = ['e-1/alice', 'e-1/bob', 'e-2/alice'];
    await until(() => seen(a.joins).length >= 3 && seen(b.joins).length >= 3, 'both instances heard every join');
    await a.receiver.idle();
    await b.receiver.idle();
    expect(seen(a.joins)).toEqual(all);
    expect(seen(b.joins)).toEqual(all);
  });

  it("emit 'once': a change committed by an instance that died before emitting it is claimed and emitted once", async () => {
    const a = await instance('once', { emit: 'once', claimAfterMs: 200 });
    const b = await instance('once', { emit: 'once', claimAfterMs: 200 });
    expect((await postTo(a.server.url, delivery('carol', ['o-1']))).status).toBe(200);
    await until(() => a.joins.length === 1, 'a emitted its own join');
    // An instance that committed and died before emitting: its store applied, nobody acknowledged.
    const dead = new RedisStore({ url: REDIS_URL, prefix: `${prefix}:once`, feed: {} });
    const committed = await dead.apply([presenceEvent('o-2', 'dave', 0, true, Date.now() - 60_000)]);
    await dead.close();
    expect(committed.map((c) => c.type)).toEqual(['join']);
    await until(() => a.joins.length + b.joins.length === 2, "the dead instance's join was claimed");
    await sleep(600); // several claim periods: a second emission would show
    const all = [...a.joins, ...b.joins].map((j) => `${j.channel}/${j.member.clientId}`).sort();
    expect(all).toEqual(['o-1/carol', 'o-2/dave']);
  });
});
