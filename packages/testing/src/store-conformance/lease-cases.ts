import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PresenceStore } from '@presence-webhooks/core';
import type { StoreConformanceCase, StoreConformanceOptions, StoreFactory } from './types.js';

const DEFAULT_HORIZON_MS = 10 * 60 * 1000;

let namespaces = 0;
function freshNamespace(): string {
  return `lease${process.pid.toString(36)}${Date.now().toString(36)}n${(namespaces++).toString(36)}`;
}

/**
 * The optional lease (`PresenceStore.lease`), checked on two handles of one shared state (two
 * instances): skipped for a store without one.
 */
export function leaseConformanceCases(factory: StoreFactory, options: StoreConformanceOptions = {}): StoreConformanceCase[] {
  const horizon = options.horizonMs ?? DEFAULT_HORIZON_MS;
  async function withTwo(
    fn: (a: NonNullable<PresenceStore['lease']>, b: NonNullable<PresenceStore['lease']>) => Promise<void>,
  ): Promise<void> {
    const namespace = freshNamespace();
    const a = await factory({ tombstoneHorizonMs: horizon, namespace });
    const b = await factory({ tombstoneHorizonMs: horizon, namespace });
    try {
      if (a.lease === undefined || b.lease === undefined) return;
      await fn(a.lease, b.lease);
    } finally {
      await a.close?.();
      await b.close?.();
    }
  }
  return [
    {
      name: 'lease (when the store has one): one holder at a time across instances, increasing tokens, renew and release only for the holder, completion recorded',
      run: () =>
        withTwo(async (a, b) => {
          const first = await a.acquire('job', 10_000);
          assert.ok(first !== undefined, 'a free lease is granted');
          assert.equal(await b.acquire('job', 10_000), undefined);
          assert.deepStrictEqual(await b.status('job'), { held: true });
          assert.ok((await b.acquire('other-job', 10_000)) !== undefined, 'names are independent');
          await first.release(false);
          assert.deepStrictEqual(await a.status('job'), { held: false });
          const second = await b.acquire('job', 10_000);
          assert.ok(second !== undefined && second.token > first.token, 'tokens increase');
          assert.equal(await first.renew(), false);
          await first.release(true);
          assert.deepStrictEqual(await a.status('job'), { held: true });
          assert.equal(await second.renew(), true);
          await second.release(true);
          const status = await a.status('job');
          assert.equal(status.held, false);
          assert.equal(status.doneToken, second.token);
          assert.equal(typeof status.doneAt, 'number');
        }),
    },
    {
      name: 'lease (when the store has one): an unrenewed lease expires after its ttl and is granted again with a newer token',
      run: () =>
        withTwo(async (a, b) => {
          const dead = await a.acquire('job', 100);
          assert.ok(dead !== undefined);
          let next: Awaited<ReturnType<typeof b.acquire>>;
          for (let i = 0; (next = await b.acquire('job', 10_000)) === undefined; i++) {
            assert.ok(i < 200, 'the lease expires');
            await sleep(10);
          }
          assert.ok(next.token > dead.token);
          assert.equal(await dead.renew(), false);
          await next.release(false);
        }),
    },
  ];
}
