/**
 * RedisStore on a real Redis Cluster (3 masters, started here on loopback ports): the keys of a
 * shard share a slot ({prefix:sN} hash tags), channels spread over the nodes, and the store
 * passes the same conformance suite as on a single Redis, several handles sharing one state; its
 * change feed (one stream per shard, composite cursors) passes the feed cases.
 */
import { RedisStore } from '@presence-webhooks/redis';
import { storeConformanceCases } from '@presence-webhooks/testing/conformance';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from './helpers/redis-cluster.js';
import { clusterToolsAvailable, startLocalCluster } from './helpers/redis-cluster.js';
import { redisFeedCases } from './helpers/redis-feed-cases.js';

const tools = clusterToolsAvailable();
if (!tools) {
  if (process.env.CI === 'true') throw new Error('redis-server / redis-cli are not on PATH and CI=true: the Redis Cluster test cannot run');
  console.warn('\n!!! REDIS CLUSTER TEST SKIPPED: redis-server and redis-cli are not on PATH !!!\n');
}

describe.skipIf(!tools)('RedisStore on a Redis Cluster', () => {
  let cluster: LocalCluster;
  let client: Cluster;
  beforeAll(async () => {
    cluster = await startLocalCluster();
    client = new Cluster(cluster.nodes);
  });
  afterAll(async () => {
    await client?.quit();
    await cluster?.stop();
  });

  const cases = storeConformanceCases(
    ({ tombstoneHorizonMs, namespace, feedRetainMs }) =>
      // One shard: the suite's feed cases compare apply's cursors with read's and expect one commit order; with
      // several shards apply's cursor holds only its own shard's place and read interleaves shards (the
      // multi-shard feed is proved by the feed cases below, with the Cluster default of 16 shards; so are the
      // user levels, which take the outbox's two steps with several shards).
      new RedisStore({ client, prefix: `cl:${namespace}`, tombstoneHorizonMs, shards: 1, feed: { retainMs: feedRetainMs } }),
    { numRuns: 15 },
  );
  for (const c of cases) it(c.name, { timeout: 30_000 }, c.run);

  // Several shards (the Cluster default, 16): a user spans channels in other slots than the user levels' (shard 0's):
  // each channel's script writes intents to its shard's outbox, the users step applies them (user-outbox.lua).
  const userCases = storeConformanceCases(
    ({ tombstoneHorizonMs, namespace }) =>
      new RedisStore({ client, prefix: `clu:${namespace}`, tombstoneHorizonMs, feed: { retainMs: 60_000 } }),
    { numRuns: 15 },
  ).filter((c) => c.name.startsWith('users:'));
  for (const c of userCases) it(`16 shards: ${c.name}`, { timeout: 30_000 }, c.run);

  const feedCases = redisFeedCases(
    ({ retainMs, namespace }) => new RedisStore({ client, prefix: `clfeed:${namespace}`, feed: { retainMs } }),
  );
  for (const c of feedCases) it(`feed: ${c.name}`, { timeout: 20_000 }, c.run);

  it('spreads channels over the nodes, each channel within one slot', async () => {
    const store = new RedisStore({ client, prefix: 'spread' });
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
    const perNode = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
    expect(perNode.filter((n) => n > 0).length).toBeGreaterThan(1);
  });
});
