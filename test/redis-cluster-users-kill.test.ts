// User levels on a Redis Cluster with several shards, across a crash between a channel's commit and the user
// levels' update: the instance that applied a delivery is killed (SIGKILL, in a process of its own) after the
// channels' scripts committed and wrote their intents to their shards' outboxes, before the users step (shard 0's
// slot). Another instance finishes the outboxes (its expireUsers timer), so the user levels converge (no user stuck
// offline after a join, nor online after a leave) and each user-level event is emitted once. Uses the packages'
// dist/ (the child runs them): `pnpm build` first.
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createReceiver } from '@presence-webhooks/core';
import { RedisStore } from '@presence-webhooks/redis';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { describe, expect, it } from 'vitest';
import { postToDoomed, startInstance } from './helpers/fleet-instance.js';
import { RECENT_MS } from './helpers/recent.js';
import type { LocalCluster } from './helpers/redis-cluster.js';
import { clusterToolsAvailable, useLocalCluster } from './helpers/redis-cluster.js';
import { until } from './helpers/until.js';

const KEY = 'killApp.killKey:killSecretForTheClusterUsersTest';
const PREFIX = 'cluster-users-kill';
const GRACE_MS = 400; // the expiry timer (which finishes stranded intents) runs every graceMs / 4
const INSTANCE = fileURLToPath(new URL('./fixtures/fleet/cluster-users-instance.mjs', import.meta.url));
// Two channels in two shards, neither shard 0 (the user levels' slot): 'kill-room' is shard 3, 'room-2' shard 4 of 16.
const CHANNELS = ['kill-room', 'room-2'];
const tools = clusterToolsAvailable();

/** Send kenny's enter (present) or leave on both channels, one connection each, to an instance that dies before the users step. */
async function sendAndDie(nodes: LocalCluster['nodes'], action: number, at: number): Promise<void> {
  const doomed = await startInstance(INSTANCE, {
    NODES: JSON.stringify(nodes),
    PREFIX,
    KEY,
    KILL_BEFORE_USERS: '1',
    GRACE_MS: String(GRACE_MS),
  });
  try {
    const request = ablyBatchRequest(
      CHANNELS.map((channel, i) =>
        ablyPresenceItem(channel, [{ id: `k${i}:${action}:0`, clientId: 'kenny', connectionId: `k${i}`, action, timestamp: at }]),
      ),
      { key: KEY },
    );
    expect(await postToDoomed(doomed, request)).toBe('SIGKILL');
  } finally {
    doomed.child.kill('SIGKILL');
  }
}

describe.skipIf(!tools)('user levels on a Redis Cluster (16 shards): a crash between the channel commit and the users step', () => {
  const local = useLocalCluster();

  it('another instance finishes the outbox: the levels converge, each user-level event once', { timeout: 60_000 }, async () => {
    const store = new RedisStore({ client: local.client, prefix: PREFIX, feed: { retainMs: 60_000 } });
    expect(store.shards).toBe(16);
    const survivor = createReceiver({ ably: { keys: [KEY] }, store, users: { graceMs: GRACE_MS }, claimAfterMs: 300 });
    const heard: string[] = [];
    survivor.on('join', (e) => void heard.push(`join ${e.member.clientId}@${e.channel}`));
    survivor.on('leave', (e) => void heard.push(`leave ${e.member.clientId}@${e.channel}`));
    survivor.on('user.join', (e) => void heard.push(`user.join ${e.userId}@${e.channel}`));
    survivor.on('user.leave', (e) => void heard.push(`user.leave ${e.userId}@${e.channel}`));
    survivor.on('user.online', (e) => void heard.push(`user.online ${e.userId}`));
    survivor.on('user.offline', (e) => void heard.push(`user.offline ${e.userId} lastSeen ${e.lastSeen}`));
    try {
      // A join whose users step never ran: kenny must not stay offline.
      await sendAndDie(local.cluster.nodes, ABLY_ACTION.enter, RECENT_MS);
      for (const channel of CHANNELS) expect((await store.members(channel)).map((m) => m.clientId)).toEqual(['kenny']); // committed
      await until(() => heard.includes('user.online kenny') && heard.filter((h) => h.startsWith('join')).length === 2, 'kenny online');
      await sleep(1500); // several more expiry and claim rounds: nothing is emitted twice
      expect([...heard].sort()).toEqual([
        'join kenny@kill-room',
        'join kenny@room-2',
        'user.join kenny@kill-room',
        'user.join kenny@room-2',
        'user.online kenny',
      ]);
      expect(await survivor.users.get('kenny')).toEqual({
        userId: 'kenny',
        online: true,
        channels: CHANNELS,
        members: 2,
        since: RECENT_MS,
      });
      expect(await survivor.users.count()).toBe(1);

      // A leave whose users step never ran: kenny must not stay online; the grace window runs, then closes once.
      heard.length = 0;
      await sendAndDie(local.cluster.nodes, ABLY_ACTION.leave, RECENT_MS + 1000);
      for (const channel of CHANNELS) expect(await store.members(channel)).toEqual([]);
      await until(() => heard.some((h) => h.startsWith('user.offline')), 'kenny offline');
      await sleep(1500);
      expect([...heard].sort()).toEqual([
        'leave kenny@kill-room',
        'leave kenny@room-2',
        'user.leave kenny@kill-room',
        'user.leave kenny@room-2',
        `user.offline kenny lastSeen ${RECENT_MS + 1000}`,
      ]);
      expect(await survivor.users.get('kenny')).toEqual({
        userId: 'kenny',
        online: false,
        channels: [],
        members: 0,
        lastSeen: RECENT_MS + 1000,
      });
      expect(await survivor.users.count()).toBe(0);
      for (const channel of CHANNELS) expect(await store.users(channel)).toEqual([]);
    } finally {
      await survivor.close();
      await store.close();
    }
    // clear() deletes every shard's user levels, outboxes and feed with the channels: only replay records are left.
    const cleaner = new RedisStore({ client: local.client, prefix: PREFIX });
    try {
      await cleaner.clear();
      expect(await cleaner.user('kenny')).toBeUndefined();
      const left = (await Promise.all(local.client.nodes('master').map((node) => node.keys(`*${PREFIX}*`)))).flat();
      expect(left.filter((key) => !key.includes(':r:'))).toEqual([]);
    } finally {
      await cleaner.close();
    }
  });
});
