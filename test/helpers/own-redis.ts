// A redis-server of a test's own, on a free port, for tests that stop and restart Redis (the shared
// one on 6379 is never touched). The test shuts it down itself.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** A TCP port nothing listens on right now (on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** An append-only redis-server on `port`, keeping its files in `dir` (so a restart finds the data). */
export function startRedis(port: number, dir: string): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir], {
    stdio: 'ignore',
  });
}

/** Resolves once the server at `url` answers PING (about 5 s at the most, then rejects). */
export async function waitForPing(url: string): Promise<void> {
  for (let i = 0; ; i++) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch (error) {
      if (i > 100) throw error;
    } finally {
      client.disconnect();
    }
    await sleep(50);
  }
}
