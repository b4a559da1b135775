/**
 * The lease on a real Redis: two RedisStore instances (two connections, as two receiver instances
 * would have) run `runOncePerFleet` at once; exactly one does the work, the other waits and sees it
 * done. A holder that stops renewing (its process died) is taken over after the ttl.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisStore } from '@presence-webhooks/redis';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { runOncePerFleet } from '../packages/core/src/resync/lease-runner.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const available = await redisAvailable();
const prefix = uniquePrefix('lease');

describe.skipIf(!available)('RedisStore lease: one reconcile per fleet', () => {
  const admin = new Redis(REDIS_URL, { lazyConnect: true });
  const a = new RedisStore({ url: REDIS_URL, prefix });
  const b = new RedisStore({ url: REDIS_URL, prefix });
  afterAll(async () => {
    await a.close();
    await b.close();
    await deleteKeys(admin, prefix);
    await admin.quit();
  });

  it('grants one holder at a time with increasing fencing tokens; renew and release act only for the holder', async () => {
    const first = await a.lease.acquire('tokens', 5_000);
    expect(first).toBeDefined();
    expect(await b.lease.acquire('tokens', 5_000)).toBeUndefined();
    expect(await b.lease.status('tokens')).toEqual({ held: true });
    await first?.release(false);
    expect(await b.lease.status('tokens')).toEqual({ held: false });
    const second = await b.lease.acquire('tokens', 5_000);
    expect(second?.token).toBeGreaterThan(first?.token ?? Infinity);
    expect(await first?.renew()).toBe(false);
    await first?.release(true); // not the holder any more: records nothing, frees nothing
    expect(await a.lease.status('tokens')).toEqual({ held: true });
    expect(await second?.renew()).toBe(true);
    await second?.release(true);
    const status = await a.lease.status('tokens');
    expect(status).toMatchObject({ held: false, doneToken: second?.token });
    expect(typeof status.doneAt).toBe('number');
  });

  it('two instances start together: exactly one runs, the other waits and sees it done', async () => {
    const runs: string[] = [];
    const work = (who: string) => async () => {
      runs.push(who);
      await sleep(400); // longer than the ttl: renewals keep the lease
      return who;
    };
    const options = { ttlMs: 150, pollMs: 20 };
    const [ra, rb] = await Promise.all([
      runOncePerFleet(a, 'reconcile', options, work('a')),
      runOncePerFleet(b, 'reconcile', options, work('b')),
    ]);
    expect(runs).toHaveLength(1);
    const [ran, waited] = ra.ran ? [ra, rb] : [rb, ra];
    expect(ran).toMatchObject({ ran: true, value: runs[0] });
    expect(waited).toMatchObject({ ran: false, doneToken: (ran as { token: number }).token });
  });

  it('a holder that stops renewing (it died) is taken over after the ttl', async () => {
    const dead = await a.lease.acquire('takeover', 300); // never renewed nor released
    expect(dead).toBeDefined();
    let runs = 0;
    const result = await runOncePerFleet(b, 'takeover', { ttlMs: 300, pollMs: 20 }, () => Promise.resolve(++runs));
    expect(result).toMatchObject({ ran: true, value: 1 });
    expect((result as { token: number }).token).toBeGreaterThan(dead?.token ?? Infinity);
    expect(await dead?.renew()).toBe(false);
  });
});
