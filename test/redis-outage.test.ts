/**
 * RedisStore while Redis is down: a redis-server of the test's own (append-only, on a free port) is
 * shut down after some applies. Applies then reject (within the test timeout: no offline queue, a
 * command timeout, then the open circuit fails them at once) instead of hanging; once the server is
 * back on the same port, applies succeed again and the data written before the outage is intact.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PresenceEvent } from '@presence-webhooks/core/store';
import { RedisStore, RedisUnavailableError } from '@presence-webhooks/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, killRedis, shutdownRedis, startRedis, waitForPing } from './helpers/own-redis.js';
import { redisAvailable } from './helpers/redis.js';
import { RECENT_MS } from './helpers/recent.js';

const available = await redisAvailable();

function enter(channel: string, clientId: string, serial: number): PresenceEvent {
  const connectionId = `c-${clientId}`;
  return {
    provider: 'ably',
    channel,
    memberKey: `${connectionId}:${clientId}`,
    present: true,
    member: { clientId, connectionId, timestamp: RECENT_MS + serial },
    order: { ts: RECENT_MS + serial, serial, index: 0, rank: 0, id: `${connectionId}:${serial}:0` },
  };
}

/**
 * `call`, again every 50 ms while Redis cannot answer it yet (about 10 s at most): a connection that is
 * (re)connecting fails fast with RedisUnavailableError, and how long it takes depends on the machine's load.
 */
async function untilAnswered<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof RedisUnavailableError) || Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

describe.skipIf(!available)('RedisStore fails fast while Redis is down, and recovers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-redis-outage-'));
  let server: ChildProcess | undefined;
  afterAll(async () => {
    await killRedis(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies reject while the server is down (the circuit opens), succeed after its restart, and the data is intact', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    server = startRedis(port, dir);
    await waitForPing(url);
    const store = new RedisStore({
      url,
      prefix: 'outage',
      commandTimeoutMs: 500,
      circuitFailures: 3,
      circuitCooldownMs: 200,
      redisOptions: { retryStrategy: () => 50 },
    });
    try {
      // The first call waits for the connection (under load it may take longer than commandTimeoutMs).
      const joined = await untilAnswered(() => store.apply([enter('before', 'alice', 1), enter('before', 'bob', 1)]));
      expect(joined.map((c) => c.type)).toEqual(['join', 'join']);

      // Down: SHUTDOWN (the append-only file is flushed), then wait for the process to exit.
      await shutdownRedis(url, server as ChildProcess);

      const failures: unknown[] = [];
      for (let i = 0; i < 8; i++)
        failures.push(
          await store.apply([enter('during', 'carol', 10 + i)]).then(
            () => 'applied',
            (error: unknown) => error,
          ),
        );
      expect(failures.every((f) => f instanceof Error)).toBe(true);
      // After circuitFailures failures the circuit is open: the rest fail at once, saying why.
      expect(failures.some((f) => f instanceof RedisUnavailableError && /circuit open/.test(f.message))).toBe(true);
      await expect(store.members('before')).rejects.toThrow(Error);

      // Back on the same port, from the same directory (append-only file).
      server = startRedis(port, dir);
      await waitForPing(url);
      // The writes' and the reads' connections reconnect on their own (retryStrategy), each in its time.
      const applied = await untilAnswered(() => store.apply([enter('after', 'dave', 1)]));
      expect(applied.map((c) => c.type)).toEqual(['join']);
      expect((await untilAnswered(() => store.members('before'))).map((m) => m.clientId)).toEqual(['alice', 'bob']);
      expect(await untilAnswered(() => store.channels())).toEqual(['after', 'before']);
      // Nothing of the failed applies was queued to land later.
      expect(await untilAnswered(() => store.members('during'))).toEqual([]);
    } finally {
      await store.close();
    }
    await killRedis(server);
  });
});

describe('RedisStore pointed at an address where nothing answers', () => {
  it('says where it tried and what the connection answered, never the password', async () => {
    const port = await freePort();
    const store = new RedisStore({ url: `redis://:not-this-password@127.0.0.1:${port}`, commandTimeoutMs: 500 });
    try {
      const error = await store.members('room').then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect(error?.message).toContain(`not connected to Redis at 127.0.0.1:${port}`);
      expect(error?.message).toContain(`last error: connect ECONNREFUSED 127.0.0.1:${port}`);
      expect(error?.message).toContain('check that Redis runs there');
      expect(error?.message).not.toContain('not-this-password');
    } finally {
      await store.close();
    }
  });
});
