// Standalone (not a run.mjs section: it starts its own 3-node Redis Cluster on loopback ports, redis-server and
// redis-cli on PATH): what the user levels' two steps cost on a Cluster with 16 shards (user-outbox.ts). One apply
// at a time (as the tracker's queue), each an enter then, later, a leave of a member with a user id (500 users, 50
// channels), through RedisStore: users off and users on with 16 shards, and users on with 1 shard (one script) as
// a reference, all in the same run. Prints ms and client CPU µs per apply, the ratios on ÷ off, and the Redis memory
// per (user, channel) version the users step keeps (a horizon after its last use).
//   pnpm build && node test/bench/cluster-users.mjs [--n=1500]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisStore } from '@presence-webhooks/redis';
import { Cluster } from 'ioredis';
import { spawnClusterNode } from '../helpers/cluster-node.mjs';
import { round } from './stats.mjs';

const N = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 1500);
const dir = mkdtempSync(join(tmpdir(), 'pw-cluster-bench-'));
const ports = [17101, 17102, 17103].map((p) => p + Math.floor(Math.random() * 20) * 3);
const nodes = ports.map((port) => spawnClusterNode(port, dir));
const cli = (...args) => {
  try {
    return execFileSync('redis-cli', args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return ''; // not up yet
  }
};
let client;

const t0 = Date.now() - 5 * 60_000; // provider times a few minutes ago
function event(i, present) {
  const clientId = `user-${i % 500}`;
  return {
    provider: 'ably',
    channel: `room-${i % 50}`,
    memberKey: `c${i}:${clientId}`,
    present,
    ...(present ? {} : { reason: 'leave' }),
    member: { clientId, connectionId: `c${i}`, timestamp: t0 + i },
    order: { ts: t0 + i, serial: 0, index: 0, rank: present ? 0 : 2, id: `c${i}:0:0` },
    userId: clientId,
  };
}

async function measure(label, shards, usersOn, prefix) {
  const store = new RedisStore({ client, prefix, shards });
  const options = () => (usersOn ? { users: { graceMs: 0, lastSeenMs: 3600_000, now: Date.now() } } : {});
  for (let i = N; i < N + 100; i++) await store.apply([event(i, true)], options()); // warm-up
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < N; i++) await store.apply([event(i, true)], options());
  for (let i = 0; i < N; i++) await store.apply([event(i, false)], options());
  const ms = (performance.now() - start) / (2 * N);
  const cpu = process.cpuUsage(cpu0);
  await store.close();
  return { label, msPerApply: round(ms, 3), clientCpuUsPerApply: round((cpu.user + cpu.system) / (2 * N), 1) };
}

try {
  for (const port of ports) while (!cli('-p', String(port), 'ping').includes('PONG')) await sleep(50);
  execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
    stdio: 'ignore',
  });
  while (!ports.every((p) => cli('-p', String(p), 'cluster', 'info').includes('cluster_state:ok'))) await sleep(100);
  client = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
  const off = await measure('16 shards, users off', 16, false, 'bench-off');
  const on = await measure('16 shards, users on (two steps)', 16, true, 'bench-on');
  const one = await measure('1 shard, users on (one script)', 1, true, 'bench-one');
  console.table([off, on, one]);
  const versions = '{bench-on:s0}:users-versions';
  const entries = await client.hlen(versions);
  const bytes = (await client.memory('USAGE', versions)) + (await client.memory('USAGE', `${versions}-t`));
  console.log(
    `16 shards, users on ÷ off: ${round(on.msPerApply / off.msPerApply, 2)}× the time per apply, ${round(on.clientCpuUsPerApply / off.clientCpuUsPerApply, 2)}× the client CPU; ` +
      `versions kept: ${entries} (user, channel) pairs, ${round(bytes / Math.max(entries, 1), 0)} B each (MEMORY USAGE of the hash and its times)`,
  );
} finally {
  client?.disconnect();
  for (const node of nodes) node.kill('SIGTERM');
  await sleep(200);
  rmSync(dir, { recursive: true, force: true });
}
