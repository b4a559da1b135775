import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../presence/memory-store.js';
import { runOncePerFleet } from './lease-runner.js';

const fast = { ttlMs: 90, pollMs: 5 };

describe('runOncePerFleet', () => {
  it('runs the work at once on a store without a lease', async () => {
    let runs = 0;
    const result = await runOncePerFleet({}, 'reconcile', fast, () => Promise.resolve(++runs));
    expect(result).toEqual({ ran: true, value: 1 });
  });

  it('two instances on one store: exactly one runs, the other waits and sees it done', async () => {
    const store = new MemoryStore();
    const runs: string[] = [];
    const work = (who: string) => async () => {
      runs.push(who);
      await sleep(150); // longer than the ttl: the holder's renewals keep the lease
      return who;
    };
    const [a, b] = await Promise.all([
      runOncePerFleet(store, 'reconcile', fast, work('a')),
      runOncePerFleet(store, 'reconcile', fast, work('b')),
    ]);
    expect(runs).toHaveLength(1);
    const [ran, waited] = a.ran ? [a, b] : [b, a];
    expect(ran).toMatchObject({ ran: true, value: runs[0], token: 1 });
    expect(waited).toMatchObject({ ran: false, doneToken: 1 });
    expect(await store.lease.status('reconcile')).toMatchObject({ held: false, doneToken: 1 });
  });

  it('a later start runs again: only completions newer than the wait count', async () => {
    const store = new MemoryStore();
    await runOncePerFleet(store, 'reconcile', fast, () => Promise.resolve(1));
    expect(await runOncePerFleet(store, 'reconcile', fast, () => Promise.resolve(2))).toEqual({ ran: true, value: 2, token: 2 });
  });

  it('takes over when the holder dies (stops renewing): after the ttl the waiter runs the work', async () => {
    const store = new MemoryStore();
    const dead = await store.lease.acquire('reconcile', 60); // never renewed nor released
    expect(dead).toBeDefined();
    let runs = 0;
    const result = await runOncePerFleet(store, 'reconcile', fast, () => Promise.resolve(++runs));
    expect(result).toEqual({ ran: true, value: 1, token: 2 });
    expect(await dead?.renew()).toBe(false);
  });

  it('takes over when the holder fails: the failure is the holder\u2019s, the waiter runs the work', async () => {
    const store = new MemoryStore();
    const failing = runOncePerFleet(store, 'reconcile', fast, async () => {
      await sleep(30);
      throw new Error('provider down');
    });
    await sleep(5);
    const waiting = runOncePerFleet(store, 'reconcile', fast, () => Promise.resolve('second'));
    await expect(failing).rejects.toThrow('provider down');
    expect(await waiting).toEqual({ ran: true, value: 'second', token: 2 });
  });

  it('an abort while waiting rejects with the signal\u2019s reason', async () => {
    const store = new MemoryStore();
    const holder = await store.lease.acquire('reconcile', 10_000);
    const controller = new AbortController();
    const waiting = runOncePerFleet(store, 'reconcile', { ...fast, signal: controller.signal }, () => Promise.resolve(1));
    setTimeout(() => controller.abort(new Error('shutting down')), 20);
    await expect(waiting).rejects.toThrow('shutting down');
    await holder?.release(false);
  });

  it('checks its options', async () => {
    const store = new MemoryStore();
    await expect(runOncePerFleet(store, 'r', { ttlMs: 0 }, () => Promise.resolve(1))).rejects.toThrow(
      new TypeError('presence-webhooks: ttlMs must be a positive integer (got 0)'),
    );
    await expect(runOncePerFleet(store, '', {}, () => Promise.resolve(1))).rejects.toThrow(TypeError);
  });
});
