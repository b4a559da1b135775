// examples/multi-instance-redis as its README runs it (two receiver processes on one Redis, a shuffled,
// duplicated Ably stream split between them): it must say the set equals the truth and exit 0. Uses dist/.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redisAvailable, REDIS_URL } from './helpers/redis.js';

const RUN = fileURLToPath(new URL('../examples/multi-instance-redis/dist/run.js', import.meta.url));
const available = await redisAvailable();

describe.skipIf(!available)('examples/multi-instance-redis demo', () => {
  it('runs against the local Redis and reports the set equal to the in-order truth (exit 0)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [RUN, '--quiet'], {
      env: { ...process.env, REDIS_URL },
      timeout: 120_000,
    });
    expect(stdout).toMatch(/RESULT: the shared set equals the in-order truth/);
  }, 150_000);
});
