/**
 * RedisStore on a real Redis Cluster (3 masters, started here on loopback ports): the keys of a
 * shard share a slot ({prefix:sN} hash tags), channels spread over the nodes, and the store
 * passes the same conformance suite as on a single Redis, several handles sharing one state; its
 * change feed (one stream per shard, composite cursors) passes the feed cases.
 */
import { RedisStore } from '@presence-webhooks/redis';
import { storeConformanceCases } from '@presence-webhooks/testing/conformance';
import { Cluster } from 'ioredis';
import type { ScriptCommands } from '../packages/redis/src/scripts.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { presenceEvent } from './helpers/presence-event.js';
import { RECENT_MS } from './helpers/recent.js';
import { clusterToolsAvailable, useLocalCluster } from './helpers/redis-cluster.js';
import { redisFeedCases } from './helpers/redis-feed-cases.js';

const tools = clusterToolsAvailable();
if (!tools) {
  if (process.env.CI === 'true') throw new Error('redis-server / redis-cli are not on PATH and CI=true: the Redis Cluster test cannot run');
  console.warn('\n!!! REDIS CLUSTER TEST SKIPPED: redis-server and redis-cli are not on PATH !!!\n');
}

describe.skipIf(!tools)('RedisStore on a Redis Cluster', () => {
  const local = useLocalCluster();

  const cases = storeConformanceCases(
    ({ tombstoneHorizonMs, namespace, feedRetainMs }) =>
      // One shard: the suite's feed cases compare apply's cursors with read's and expect one commit order; with
      // several shards apply's cursor holds only its own shard's place and read interleaves shards (the
      // multi-shard feed is proved by the feed cases below, with the Cluster default of 16 shards; so are the
      // user levels, which take the outbox's two steps with several shards).
      new RedisStore({ client: local.client, prefix: `cl:${namespace}`, tombstoneHorizonMs, shards: 1, feed: { retainMs: feedRetainMs } }),
    { numRuns: 15 },
  );
  for (const c of cases) it(c.name, { timeout: 30_000 }, c.run);

  // Several shards (the Cluster default, 16): a user spans channels in other slots than the user levels' (shard 0's):
  // each channel's script writes intents to its shard's outbox, the users step applies them (user-outbox.lua).
  const userCases = storeConformanceCases(
    ({ tombstoneHorizonMs, namespace }) =>
      new RedisStore({ client: local.client, prefix: `clu:${namespace}`, tombstoneHorizonMs, feed: { retainMs: 60_000 } }),
    { numRuns: 15 },
  ).filter((c) => c.name.startsWith('users:'));
  for (const c of userCases) it(`16 shards: ${c.name}`, { timeout: 30_000 }, c.run);

  it('16 shards: intents stranded by a users step that never ran are finished by the next apply on their shard, once', async () => {
    // Store a's users step fails (its client, where the store defined its scripts, refuses it): a's channel steps committed and wrote their intents.
    const broken = new Cluster(local.cluster.nodes);
    const a = new RedisStore({ client: broken, prefix: 'strand' });
    const send = (broken as unknown as ScriptCommands).presenceWebhooksApplyBuffer.bind(broken);
    (broken as unknown as ScriptCommands).presenceWebhooksApplyBuffer = (...args) =>
      args.includes('intents') ? Promise.reject(new Error('the users step never ran')) : send(...args);
    const b = new RedisStore({ client: local.client, prefix: 'strand', commandTimeoutMs: 100 }); // stranded after 200 ms
    const users = () => ({ graceMs: 0, lastSeenMs: 60_000, now: Date.now() });
    const enter = (clientId: string) => ({ ...presenceEvent('room-2', clientId, 1, true, RECENT_MS), userId: clientId });
    try {
      await expect(a.apply([enter('alice')], { users: users() })).rejects.toThrow('the users step never ran');
      expect((await b.members('room-2')).map((m) => m.clientId)).toEqual(['alice']);
      expect(await b.user('alice')).toBeUndefined(); // not yet: the intent waits in shard 4's outbox
      await sleep(250);
      const changes = await b.apply([enter('bob')], { users: users() });
      expect(changes.map((c) => `${c.type} ${'userId' in c ? c.userId : 'member' in c ? c.member.clientId : c.channel}`).sort()).toEqual([
        'join bob',
        'user.join alice',
        'user.join bob',
        'user.online alice',
        'user.online bob',
      ]);
      expect(await b.users('room-2')).toEqual(['alice', 'bob']);
      expect(await b.userCount()).toBe(2);
      await sleep(250);
      expect(await b.apply([enter('carol')], { users: users() })).toHaveLength(3); // join, user.join, user.online: alice's are done
    } finally {
      await a.close();
      await b.close();
      broken.disconnect();
    }
  });

  const feedCases = redisFeedCases(
    ({ retainMs, namespace }) => new RedisStore({ client: local.client, prefix: `clfeed:${namespace}`, feed: { retainMs } }),
  );
  for (const c of feedCases) it(`feed: ${c.name}`, { timeout: 20_000 }, c.run);

  it('spreads channels over the nodes, each channel within one slot', async () => {
    const store = new RedisStore({ client: local.client, prefix: 'spread' });
    const channels = Array.from({ length: 24 }, (_, i) => `channel-${i}`);
    await store.apply(
      channels.map((channel, i) => ({
        provider: 'ably' as const,
        channel,
        memberKey: `c${i}:u`,
        present: true,
        member: { clientId: 'u', connectionId: `c${i}`, timestamp: i },
        order: { ts: i, serial: 0, index: 0, rank: 0, id: `c${i}:0:0` },
      })),
    );
    expect(await store.channels()).toEqual([...channels].sort());
    const perNode = await Promise.all(local.client.nodes('master').map((node) => node.dbsize()));
    expect(perNode.filter((n) => n > 0).length).toBeGreaterThan(1);
  });
});
