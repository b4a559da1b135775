// emit 'once' across a fleet on one RedisStore with the change feed: the instance that applied a delivery is
// killed (SIGKILL, in a process of its own) between the store's commit and the emission; another instance
// emits the change, exactly once. Uses the packages' dist/ (the child runs them): `pnpm build` first.
import { fileURLToPath } from 'node:url';
import { createReceiver } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { afterAll, describe, expect, it } from 'vitest';
import { postToDoomed, startInstance } from './helpers/fleet-instance.js';
import { RECENT_MS } from './helpers/recent.js';
import { Redis } from 'ioredis';
import { deleteKeys, redisAvailable, REDIS_URL, uniquePrefix } from './helpers/redis.js';

const KEY = 'killApp.killKey:killSecretForTheFleetTest';
const PREFIX = uniquePrefix('kill');
const INSTANCE = fileURLToPath(new URL('./fixtures/fleet/instance.mjs', import.meta.url));
const available = await redisAvailable();

describe.skipIf(!available)("emit 'once': the applying instance dies between the commit and the emission", () => {
  afterAll(async () => {
    const client = new Redis(REDIS_URL);
    await deleteKeys(client, PREFIX);
    await client.quit();
  });

  it('another instance emits the change, exactly once', async () => {
    const store = new RedisStore({ url: REDIS_URL, prefix: PREFIX, feed: { retainMs: 60_000 } });
    const survivor = createReceiver({ ably: { keys: [KEY] }, store, users: false, claimAfterMs: 300 });
    const joins: string[] = [];
    survivor.on('join', (e) => void joins.push(e.member.clientId));
    const doomed = await startInstance(INSTANCE, { REDIS_URL, PREFIX, KEY, KILL_AFTER_COMMIT: '1' });
    try {
      const request = ablyBatchRequest(
        [
          ablyPresenceItem('kill-room', [
            { id: 'k1:0:0', clientId: 'kenny', connectionId: 'k1', action: ABLY_ACTION.enter, timestamp: RECENT_MS },
          ]),
        ],
        { key: KEY },
      );
      expect(await postToDoomed(doomed, request)).toBe('SIGKILL');
      expect((await store.members('kill-room')).map((m) => m.clientId)).toEqual(['kenny']); // committed
      for (let i = 0; i < 200 && joins.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 1500)); // several more claim rounds
      expect(joins).toEqual(['kenny']);
    } finally {
      doomed.child.kill('SIGKILL');
      await survivor.close();
      await store.close();
    }
  });
});
