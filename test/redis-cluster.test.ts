/**
 * RedisStore on a real Redis Cluster (3 masters, started here on loopback ports): the keys of a
 * shard share a slot ({prefix:sN} hash tags), channels spread over the nodes, and the store
 * passes the same conformance suite as on a single Redis, several handles sharing one state; its
 * change feed (one stream per shard, composite cursors) passes the feed cases.
 */
import { MemoryStore } from '@presence-webhooks/core';
import type { Change, PresenceEvent, UserChange } from '@presence-webhooks/core/store';
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

  it(
    '16 shards: intents stranded by a users step that never ran are finished by the next apply on their shard, once',
    { timeout: 30_000 },
    async () => {
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
    },
  );

  it('16 shards: a batch over channels of one shard gives the user changes MemoryStore gives, in its order (the users step applies intents in the batch order)', async () => {
    const [x, y] = ['room-4', 'room-29']; // both shard 2 of 16: one channel step, which walks the channels one after the other
    const as = (event: PresenceEvent, userId: string) => ({ ...event, userId });
    const before = [as(presenceEvent(x, 'alice-1', 1, true, RECENT_MS), 'alice')];
    // Alice moves from x to y, y's join first in the batch: she never goes offline. Bob's join makes x the batch's first channel.
    const batch = [
      as(presenceEvent(x, 'bob-1', 2, true, RECENT_MS + 1), 'bob'),
      as(presenceEvent(y, 'alice-2', 3, true, RECENT_MS + 2), 'alice'),
      as(presenceEvent(x, 'alice-1', 4, false, RECENT_MS + 3), 'alice'),
    ];
    const users = { graceMs: 0, lastSeenMs: 60_000, now: Date.now() };
    const line = (c: Change) =>
      `${c.type} ${'userId' in c ? c.userId : 'member' in c ? c.member.clientId : ''} ${'channel' in c ? c.channel : ''}`;
    const reference = new MemoryStore();
    await reference.apply(before, { users });
    const store = new RedisStore({ client: local.client, prefix: 'one-shard-batch' });
    await store.apply(before, { users });
    expect((await store.apply(batch, { users })).map(line)).toEqual((await reference.apply(batch, { users })).map(line));
    expect(await store.user('alice')).toEqual(await reference.user('alice'));
    await store.close();
  });

  it(
    '16 shards: two handles apply one history at once, many calls in flight: levels equal the member set, each user change committed once, alternating per level',
    { timeout: 30_000 },
    async () => {
      // Five histories: a race the versions guard against (an intent applied again after a newer one) shows in some of them.
      for (const round of [1, 2, 3, 4, 5]) await race(round);
    },
  );

  async function race(round: number): Promise<void> {
    const prefix = `race${round}`;
    // Each handle on a connection of its own, as two instances: their calls interleave in Redis in any order.
    const other = new Cluster(local.cluster.nodes);
    const a = new RedisStore({ client: local.client, prefix, feed: { retainMs: 60_000 } });
    const b = new RedisStore({ client: other, prefix, feed: { retainMs: 60_000 } });
    const feed = a.feed as NonNullable<RedisStore['feed']>;
    const start = await feed.head();
    const channels = ['room-a', 'room-b', 'room-2']; // shards 2, 1 and 4: none is the user levels' shard 0
    let seed = round;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    // Users u0..u2, two connections each (member clientId `u1-0`, user id `u1`), entering and leaving the three channels.
    const events = Array.from({ length: 120 }, (_, k) => {
      const user = `u${random(3)}`;
      const event = presenceEvent(channels[random(3)] as string, `${user}-${random(2)}`, k + 1, random(2) === 0, RECENT_MS + k);
      return { ...event, userId: user };
    });
    const users = { graceMs: 0, lastSeenMs: 60_000, now: Date.now() };
    const calls: Promise<Change[]>[] = [];
    for (let k = 0, i = 0; k < events.length; i++) {
      const size = 1 + random(3);
      calls.push((i % 2 === 0 ? a : b).apply(events.slice(k, k + size), { users }));
      k += size;
    }
    const answered = (await Promise.all(calls)).flat();
    const userLine = (c: Change) =>
      c.type.startsWith('user.') ? `${c.type} ${(c as UserChange).userId} ${'channel' in c ? c.channel : ''}` : undefined;

    const present = new Map<string, { channels: Set<string>; members: number }>();
    for (const channel of channels) {
      const members = await a.members(channel);
      const ids = [...new Set(members.map((m) => m.clientId.split('-')[0] as string))].sort();
      expect(await b.users(channel)).toEqual(ids);
      for (const member of members) {
        const user = member.clientId.split('-')[0] as string;
        const held = present.get(user) ?? { channels: new Set(), members: 0 };
        held.channels.add(channel);
        held.members++;
        present.set(user, held);
      }
    }
    expect(await a.userCount()).toBe(present.size);
    for (const user of ['u0', 'u1', 'u2']) {
      const held = present.get(user);
      const got = await b.user(user);
      expect(got?.online ?? false).toBe(held !== undefined);
      expect(got?.channels ?? []).toEqual(held === undefined ? [] : [...held.channels].sort());
      expect(got?.members ?? 0).toBe(held?.members ?? 0);
    }

    // The feed lists the user changes in commit order (all in shard 0's stream): each level alternates up, down, ...
    const committed: Change[] = [];
    for (let cursor = start; ;) {
      const page = await feed.read(cursor, { limit: 500, waitMs: 0 });
      if (page.length === 0) break;
      committed.push(...page);
      cursor = page[page.length - 1]?.cursor as string;
    }
    const state = new Map<string, boolean>();
    for (const change of committed.filter((c): c is UserChange => c.type.startsWith('user.'))) {
      const level = change.type === 'user.join' || change.type === 'user.leave' ? `${change.userId}@${change.channel}` : change.userId;
      const up = change.type === 'user.join' || change.type === 'user.online';
      expect(state.get(level) ?? false, `${change.type} of ${level}`).toBe(!up);
      state.set(level, up);
    }
    // ... and each was answered by exactly one apply.
    const lines = (changes: Change[]) =>
      changes
        .map(userLine)
        .filter((l) => l !== undefined)
        .sort();
    expect(lines(answered)).toEqual(lines(committed));
    expect(lines(committed).length).toBeGreaterThan(10);
    await Promise.all([a.close(), b.close()]);
    other.disconnect();
  }

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
