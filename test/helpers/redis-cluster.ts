import type { ChildProcess } from 'node:child_process';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnClusterNode } from './cluster-node.mjs';
import { freePort } from './own-redis.js';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

const run = promisify(execFile);

export function clusterToolsAvailable(): boolean {
  return ['redis-server', 'redis-cli'].every((tool) => spawnSync(tool, ['--version']).status === 0);
}

/** A port whose cluster bus port (port + 10000) is free too. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 > 65535 || taken.has(port)) continue;
    const bus = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port + 10000, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (bus) return port;
  }
}

export interface LocalCluster {
  nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** Start a throwaway 3-master Redis Cluster on loopback (own processes, own temp dir; nothing persisted). */
export async function startLocalCluster(): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await clusterPort(taken);
    taken.add(port);
    ports.push(port);
  }
  const children: ChildProcess[] = ports.map((port) => spawnClusterNode(port, dir));
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      for (let i = 0; ; i++) {
        const ok = await run('redis-cli', ['-p', String(port), 'ping']).then(
          (r) => r.stdout.trim() === 'PONG',
          () => false,
        );
        if (ok) break;
        if (i > 100) throw new Error(`redis-server on ${port} did not start`);
        await sleep(50);
      }
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of ports) {
      for (let i = 0; ; i++) {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        if (stdout.includes('cluster_state:ok')) break;
        if (i > 200) throw new Error(`cluster node ${port} did not become ready`);
        await sleep(50);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
}

/** For a describe block: a local cluster and a client of it, started before its tests and stopped after them. */
export function useLocalCluster(): { readonly cluster: LocalCluster; readonly client: Cluster } {
  const shared = {} as { cluster: LocalCluster; client: Cluster };
  beforeAll(async () => {
    shared.cluster = await startLocalCluster();
    shared.client = new Cluster(shared.cluster.nodes);
  });
  afterAll(async () => {
    await shared.client?.quit();
    await shared.cluster?.stop();
  });
  return shared;
}
