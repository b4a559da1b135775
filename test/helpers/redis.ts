import { openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const START_HINT = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no';

async function ping(): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Whether the Redis tests can run. Under CI=true an unreachable Redis is an error (the run fails);
 * elsewhere the Redis tests skip, with one loud line per test run that says how to start Redis.
 */
export async function redisAvailable(): Promise<boolean> {
  if (await ping()) return true;
  if (process.env.CI === 'true') throw new Error(`Redis is not reachable at ${REDIS_URL} and CI=true: start it with: ${START_HINT}`);
  try {
    // One line per test run, however many Redis test files skip (they share the vitest parent process).
    closeSync(openSync(join(tmpdir(), `presence-webhooks-redis-skip-${process.ppid}`), 'wx'));
    console.warn(`\n!!! REDIS TESTS SKIPPED: no Redis at ${REDIS_URL}. Start one with: ${START_HINT} (or set REDIS_URL) !!!\n`);
  } catch {
    // another file already said it
  }
  return false;
}

/** A key prefix no other test file or run uses. */
export function uniquePrefix(name: string): string {
  return `pwtest-${name}-${process.pid.toString(36)}-${Date.now().toString(36)}`;
}

/** Delete every key that starts with `{prefix` (test cleanup; SCAN is fine here). */
export async function deleteKeys(client: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scanBuffer(cursor, 'MATCH', `{${prefix}*`, 'COUNT', 1000);
    cursor = String(next);
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
