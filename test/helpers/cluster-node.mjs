// One node of a throwaway Redis Cluster on loopback (nothing persisted), for test/helpers/redis-cluster.ts and the
// standalone test/bench/cluster-users.mjs, which cannot import TypeScript.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** Start `redis-server` as a cluster node on `port`, its node file in `dir`. */
export function spawnClusterNode(port, dir) {
  return spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes'],
      ...['--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir, '--save', '', '--appendonly', 'no'],
    ],
    { stdio: 'ignore' },
  );
}
