/**
 * The Next.js App Router recipe (docs/recipes/nextjs.md), run as Next runs it: the route module
 * `app/webhooks/route.ts` imported, its `POST` called with real Request objects. A second import
 * after a module reset stands for a cold start: a new instance that must see the first one's state
 * (RedisStore), which a MemoryStore would have lost.
 */
import { ablyBatchRequest, ablyKeyName, ablyPresenceItem, SUITE_KEY, type BuiltRequest } from '@presence-webhooks/testing';
import { RedisStore } from '@presence-webhooks/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';
import type * as RouteModule from './recipes/nextjs/app/webhooks/route.js';
import type * as LibModule from './recipes/nextjs/lib/presence.js';
import { RECENT_MS } from './helpers/recent.js';

const available = await redisAvailable();
const prefix = uniquePrefix('nextjs');

type Route = typeof RouteModule;
type Lib = typeof LibModule;

function presence(action: number, timestamp: number): BuiltRequest {
  return ablyBatchRequest(
    [ablyPresenceItem('next-room', [{ id: `nx${timestamp}:0:0`, clientId: 'next-user', connectionId: 'nx1', action, timestamp }])],
    { key: SUITE_KEY },
  );
}

function request(built: BuiltRequest, headers: Record<string, string> = {}): Request {
  return new Request('https://my-app.example/webhooks', { method: 'POST', headers: { ...built.headers, ...headers }, body: built.body });
}

/** A fresh instance of the route module and its receiver (what a cold start gives). */
async function coldStart(): Promise<{ route: Route; lib: Lib }> {
  vi.resetModules();
  return { route: await import('./recipes/nextjs/app/webhooks/route.js'), lib: await import('./recipes/nextjs/lib/presence.js') };
}

describe.skipIf(!available)('Next.js App Router recipe: app/webhooks/route.ts', () => {
  const instances: Lib[] = [];
  const reader = new RedisStore({ url: REDIS_URL, prefix });

  beforeAll(() => {
    vi.stubEnv('ABLY_KEY', SUITE_KEY);
    vi.stubEnv('REDIS_URL', REDIS_URL);
    vi.stubEnv('REDIS_PREFIX', prefix);
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    for (const lib of instances) await lib.receiver.store.close?.();
    await reader.close();
    const client = new Redis(REDIS_URL);
    await deleteKeys(client, prefix);
    client.disconnect();
  });

  it('POST answers 200 once committed, 401 for a bad signature; a cold-started instance sees the state in Redis', async () => {
    const first = await coldStart();
    instances.push(first.lib);
    const entered = await first.route.POST(request(presence(2, RECENT_MS)));
    expect([entered.status, await entered.json()]).toEqual([200, { ok: true, events: 1, rejected: 0 }]);
    expect((await reader.members('next-room')).map((m) => m.clientId)).toEqual(['next-user']); // committed before the answer

    const forged = await first.route.POST(
      request(presence(3, RECENT_MS + 1), { 'x-ably-key': ablyKeyName(SUITE_KEY), 'x-ably-signature': 'AAAA' }),
    );
    expect(forged.status).toBe(401);

    const second = await coldStart();
    instances.push(second.lib);
    expect(second.lib.receiver).not.toBe(first.lib.receiver);
    expect((await second.lib.receiver.store.members('next-room')).map((m) => m.clientId)).toEqual(['next-user']);
    const left = await second.route.POST(request(presence(3, RECENT_MS + 2)));
    expect(left.status).toBe(200);
    expect(await reader.members('next-room')).toEqual([]);
  });

  it('the route module exports only what Next.js accepts from a route file', async () => {
    const { route } = await coldStart();
    expect(Object.keys(route).sort()).toEqual(['POST', 'dynamic', 'runtime']);
    instances.push(await import('./recipes/nextjs/lib/presence.js'));
  });
});
