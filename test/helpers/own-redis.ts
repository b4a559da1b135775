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

/** SHUTDOWN the server at `url` (the append-only file is flushed) and resolve once its process exited. */
export async function shutdownRedis(url: string, server: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.shutdown().catch(() => undefined);
  admin.disconnect();
  await exited;
}

/** Stop a server of the test's own, if it still runs (SIGTERM, then wait for the exit). */
export async function killRedis(server: ChildProcess | undefined): Promise<void> {
  if (server === undefined || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}
