/**
 * Issue 25, RedisStore: reads cannot hurt writes. On a Redis of the test's own (another port):
 * - eight loops reading a heavy channel (45 members of 4.9 MiB) through the read endpoint while
 *   webhook deliveries arrive in after-store mode: no delivery is answered 503, the reads answer 413
 *   (the store refuses a read over its byte bound without loading it), and the set ends right; the same in
 *   on-receipt mode: no store failure reported, nothing given up;
 * - a Redis that refuses writes (maxmemory + noeviction: `-OOM command not allowed`): the write
 *   errors count toward the circuit, which opens (RedisUnavailableError), and after-store answers 503.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Receiver } from '@presence-webhooks/core';
import type { PresenceEvent } from '@presence-webhooks/core/store';
import { createReceiver } from '@presence-webhooks/core';
import { RedisStore, RedisUnavailableError } from '@presence-webhooks/redis';
import { pubnubEventItem, pubnubEventsRequest } from '@presence-webhooks/testing/builders';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from './helpers/express-server.js';
import { postTo, startExpress } from './helpers/express-server.js';
import { freePort, killRedis, startRedis, waitForPing } from './helpers/own-redis.js';
import { redisAvailable } from './helpers/redis.js';

const PUBNUB_SECRET = 'reads-writes-pubnub-secret-0123';
const READ_TOKEN = 'reads-writes-read-token-0123456';
const MIB = 1024 * 1024;

const useRedis = await redisAvailable();
let server: ChildProcess | undefined;
let url = '';
let dir = '';
let admin: Redis;

beforeAll(async () => {
  if (!useRedis) return;
  dir = mkdtempSync(join(tmpdir(), 'pw-reads-writes-'));
  const port = await freePort();
  server = startRedis(port, dir);
  url = `redis://127.0.0.1:${port}`;
  await waitForPing(url);
  admin = new Redis(url);
  await admin.config('SET', 'appendonly', 'no');
}, 30_000);

afterAll(async () => {
  admin?.disconnect();
  await killRedis(server);
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function heavyMembers(channel: string, count: number, bytes: number): PresenceEvent[] {
  const at = Date.now() - 120_000;
  const data = 'h'.repeat(bytes);
  return Array.from({ length: count }, (_, i) => ({
    provider: 'pubnub',
    channel,
    memberKey: `heavy-${i}`,
    present: true,
    member: { clientId: `heavy-${i}`, timestamp: at, data },
    order: { ts: at, serial: -1, index: -1, rank: 0, id: `heavy-${i}` },
  }));
}

describe.runIf(useRedis)('RedisStore: reads cannot hurt writes', () => {
  let receiver: Receiver;
  let http: RunningServer;
  let store: RedisStore;

  beforeAll(async () => {
    store = new RedisStore({ url, prefix: 'reads-writes' });
    receiver = createReceiver({ pubnub: { secret: PUBNUB_SECRET }, store, ack: 'after-store', readEndpoint: { token: READ_TOKEN } });
    http = await startExpress(receiver);
    // 45 members of 4.9 MiB, written one at a time by a store with time for it.
    const writer = new RedisStore({ url, prefix: 'reads-writes', commandTimeoutMs: 30_000 });
    for (const member of heavyMembers('heavy', 45, Math.floor(4.9 * MIB))) await writer.apply([member]);
    await writer.close();
  }, 120_000);

  afterAll(async () => {
    await http?.close();
    await receiver?.close();
    await store?.close();
  });

  /** Eight loops read the heavy channel while 60 deliveries (20 trios: join, join, leave of the first) go to `channel`. */
  async function readWhileDelivering(
    url: string,
    channel: string,
  ): Promise<{ deliveries: Map<number, number>; reads: Map<number, number> }> {
    let reading = true;
    const reads = new Map<number, number>();
    const loops = Array.from({ length: 8 }, async () => {
      while (reading) {
        const res = await fetch(`${url}/channels/heavy/members`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
        await res.arrayBuffer();
        reads.set(res.status, (reads.get(res.status) ?? 0) + 1);
      }
    });
    const deliveries = new Map<number, number>();
    const base = Date.now() - 60_000;
    for (let i = 0; i < 60; i++) {
      const kind = i % 3 === 2 ? 'leave' : 'join';
      const userId = `u${Math.floor(i / 3)}-${i % 3}`;
      const item = pubnubEventItem({
        id: `${channel}-${i}`,
        channel,
        userId: kind === 'leave' ? `u${Math.floor(i / 3)}-0` : userId,
        timestampMs: base + i * 10,
        occupancy: 1,
      });
      const { status } = await postTo(url, pubnubEventsRequest(kind, [item], { secret: PUBNUB_SECRET }));
      deliveries.set(status, (deliveries.get(status) ?? 0) + 1);
    }
    reading = false;
    await Promise.all(loops);
    console.log(`${channel}: deliveries by status: ${JSON.stringify([...deliveries])}; reads by status: ${JSON.stringify([...reads])}`);
    return { deliveries, reads };
  }

  /** Each third delivery took the first member of its trio out again: 20 trios leave 20 x 1 present. */
  const TRIOS_PRESENT = Array.from({ length: 20 }, (_, t) => `u${t}-1`).sort();

  it(
    'eight loops reading the heavy channel while deliveries arrive: no delivery 503, reads answered 413, the set right',
    async () => {
      const { deliveries, reads } = await readWhileDelivering(http.url, 'light');
      expect(deliveries.get(503) ?? 0).toBe(0);
      expect([...deliveries.keys()]).toEqual([200]);
      expect([...reads.keys()]).toEqual([413]);
      expect((await store.members('light')).map((m) => m.clientId)).toEqual(TRIOS_PRESENT);
    },
    { timeout: 120_000 },
  );

  it(
    'on-receipt: the same reads while deliveries arrive: no store failure, nothing given up, the set right',
    async () => {
      const errors: Error[] = [];
      const onReceipt = createReceiver({
        pubnub: { secret: PUBNUB_SECRET },
        store,
        readEndpoint: { token: READ_TOKEN },
        onError: (e) => void errors.push(e),
      });
      const server = await startExpress(onReceipt);
      try {
        const { reads } = await readWhileDelivering(server.url, 'light-receipt');
        await onReceipt.idle();
        expect([...reads.keys()]).toEqual([413]);
        expect(errors.map((e) => e.message)).toEqual([]);
        expect(onReceipt.stats().lostDeliveries).toBe(0);
        expect((await store.members('light-receipt')).map((m) => m.clientId)).toEqual(TRIOS_PRESENT);
      } finally {
        await server.close();
        await onReceipt.close();
      }
    },
    { timeout: 120_000 },
  );

  it('one read of the heavy channel: a 413 with a clear message, straight from the store', async () => {
    await expect(store.members('heavy')).rejects.toMatchObject({ code: 'payload_too_large' });
    const res = await fetch(`${http.url}/channels/heavy/members`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/too large for one answer/);
  });
});

describe.runIf(useRedis)('RedisStore: the reads have their own connection and circuit', () => {
  it('reads failing (their connection lost) open the reads circuit only: writes go on', async () => {
    const store = new RedisStore({ url, prefix: 'read-circuit', circuitFailures: 2, circuitCooldownMs: 60_000 });
    try {
      const at = Date.now() - 60_000;
      expect(await store.members('room')).toEqual([]);
      expect(store.readClient).not.toBe(store.client);
      store.readClient.disconnect();
      for (let i = 0; i < 2; i++) await expect(store.members('room')).rejects.toThrow(/writeable|closed/);
      await expect(store.occupancy('room')).rejects.toThrow(/circuit open/);
      const changes = await store.apply(heavyMembers('room', 1, 10).map((e) => ({ ...e, order: { ...e.order, ts: at } })));
      expect(changes.map((c) => c.type)).toEqual(['join']);
    } finally {
      await store.close();
    }
  });
});

describe.runIf(useRedis)('RedisStore: a Redis that refuses writes (OOM)', () => {
  it('counts -OOM toward the circuit, which opens; after-store deliveries are answered 503', async () => {
    const store = new RedisStore({ url, prefix: 'oom', circuitFailures: 3, circuitCooldownMs: 60_000 });
    const receiver = createReceiver({ pubnub: { secret: PUBNUB_SECRET }, store, ack: 'after-store', onError: () => undefined });
    const http = await startExpress(receiver);
    try {
      await admin.flushall();
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
      await admin.config('SET', 'maxmemory', String(used + 2 * MIB));
      // Fill Redis past its maxmemory: large values, then small ones until even a small write is refused.
      let i = 0;
      for (const size of [64 * 1024, 64]) {
        const filler = 'f'.repeat(size);
        while (
          await admin.set(`filler:${i++}`, filler).then(
            () => true,
            () => false,
          )
        );
      }
      const errors: unknown[] = [];
      for (let i = 0; i < 4; i++) {
        await store.apply(heavyMembers('oom-room', 1, 10)).then(
          () => errors.push(undefined),
          (error: unknown) => errors.push(error),
        );
      }
      console.log(
        `apply under OOM: ${errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message.slice(0, 60)}` : 'ok')).join(' | ')}`,
      );
      expect(errors[0]).toBeInstanceOf(RedisUnavailableError);
      expect(String((errors[0] as Error).message)).toMatch(/cannot answer now: OOM/);
      // The third OOM opened the circuit: the fourth call fails at once, without reaching Redis.
      expect(errors[3]).toBeInstanceOf(RedisUnavailableError);
      expect(String((errors[3] as Error).message)).toMatch(/circuit open/);
      const join = pubnubEventItem({ id: 'oom-1', channel: 'oom-room', userId: 'alice', timestampMs: Date.now() - 60_000, occupancy: 1 });
      const answer = await postTo(http.url, pubnubEventsRequest('join', [join], { secret: PUBNUB_SECRET }));
      expect(answer.status).toBe(503);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      await admin.flushall();
      await http.close();
      await receiver.close();
      await store.close();
    }
  }, 60_000);
});
