/**
 * The Next.js App Router recipe (docs/recipes/nextjs.md) built and served by Next itself: the files
 * in test/recipes/nextjs are copied into a fresh app, `next` is installed there with npm, `next build`
 * runs with no secret set (the receiver is made on the first request, not at import), then
 * `next start` serves it and signed deliveries and reads go to its one catch-all route over real
 * HTTP. A restart stands for a cold start: the new server sees the first one's set (RedisStore).
 *
 * Outside CI, a failed `npm install` (no registry) skips the test with one loud line; under CI=true it fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ablyBatchRequest, ablyKeyName, ablyPresenceItem, type BuiltRequest } from '@presence-webhooks/testing/builders';
import { sendHttp, SUITE_KEY } from '@presence-webhooks/testing/conformance';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';
import { freePort } from './helpers/own-redis.js';
import { npmInstall, runCommand } from './helpers/run-command.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const available = await redisAvailable();
const prefix = uniquePrefix('nextjs');
const READ_TOKEN = 'next-recipe-read-token';
const work = mkdtempSync(join(tmpdir(), 'pw-nextjs-'));
const next = join(work, 'node_modules/next/dist/bin/next');
let installed = true;

function presence(action: number, timestamp: number): BuiltRequest {
  return ablyBatchRequest(
    [ablyPresenceItem('next-room', [{ id: `nx${timestamp}:0:0`, clientId: 'next-user', connectionId: 'nx1', action, timestamp }])],
    { key: SUITE_KEY },
  );
}

/** `next start` on a free port, resolved once it answers. */
async function start(): Promise<{ base: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const env = { ...process.env, ABLY_KEY: SUITE_KEY, READ_TOKEN, REDIS_URL, REDIS_PREFIX: prefix, NEXT_TELEMETRY_DISABLED: '1' };
  const child: ChildProcess = spawn(process.execPath, [next, 'start', '-p', String(port), '-H', '127.0.0.1'], { cwd: work, env });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`next start exited: ${output}`);
    const answer = await sendHttp(`${base}/nothing-here`, { method: 'GET' }).catch(() => undefined);
    if (answer !== undefined) break;
    if (attempt > 300) throw new Error(`next start did not answer within 30 s: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    base,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

beforeAll(async () => {
  if (!available) return;
  cpSync(join(root, 'test/recipes/nextjs'), work, { recursive: true });
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'pw-nextjs-recipe', private: true }, null, 2));
  try {
    await npmInstall(work, ['next@15', 'react@19', 'react-dom@19', 'typescript@5', '@types/react@19', '@types/node@20'], 180_000);
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    installed = false;
    console.warn(`\n!!! NEXT.JS RECIPE TEST SKIPPED: npm could not install next (${(error as Error).message.split('\n')[0]}) !!!\n`);
    return;
  }
  // Our packages as built (their dist, what npm would install), linked in.
  const scope = join(work, 'node_modules/@presence-webhooks');
  mkdirSync(scope, { recursive: true });
  const linked = ['core', 'web', 'redis'];
  await runCommand(process.execPath, [tsc, '-b', ...linked.map((name) => join(root, 'packages', name))], root, 180_000);
  for (const name of linked) symlinkSync(join(root, 'packages', name), join(scope, name), 'dir');
  // No ABLY_KEY, READ_TOKEN or REDIS_URL at build time: as in a CI build without the app's secrets.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !['ABLY_KEY', 'READ_TOKEN', 'REDIS_URL'].includes(name)));
  await runCommand(process.execPath, [next, 'build'], work, 240_000, { ...env, NEXT_TELEMETRY_DISABLED: '1' });
}, 600_000);

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  if (!available) return;
  const client = new Redis(REDIS_URL);
  await deleteKeys(client, prefix);
  client.disconnect();
});

describe.skipIf(!available)('Next.js App Router recipe under next build + next start', () => {
  it('deliveries and reads on app/webhooks/[[...path]]; a restarted server sees the set in Redis', async (context) => {
    if (!installed) context.skip();
    const read = { method: 'GET', headers: { authorization: `Bearer ${READ_TOKEN}` } } as const;
    const now = Date.now() - 120_000;
    let server = await start();
    try {
      const entered = await sendHttp(`${server.base}/webhooks`, presence(2, now));
      expect([entered.status, JSON.parse(entered.text)]).toEqual([200, { ok: true, events: 1, rejected: 0 }]);
      const forged = presence(3, now + 1);
      const refused = await sendHttp(`${server.base}/webhooks`, {
        ...forged,
        headers: { ...forged.headers, 'x-ably-key': ablyKeyName(SUITE_KEY), 'x-ably-signature': 'AAAA' },
      });
      expect(refused.status).toBe(401);
      const members = await sendHttp(`${server.base}/webhooks/channels/next-room/members`, read);
      expect(members.status).toBe(200);
      expect(members.text).toContain('"next-user"');
      expect((await sendHttp(`${server.base}/webhooks/channels/next-room/members`, { method: 'GET' })).status).toBe(401);
      expect((await sendHttp(`${server.base}/webhooks/elsewhere`, presence(2, now + 2))).status).toBe(404);
    } finally {
      await server.stop();
    }

    server = await start();
    try {
      const members = await sendHttp(`${server.base}/webhooks/channels/next-room/members`, read);
      expect(members.text).toContain('"next-user"');
      expect((await sendHttp(`${server.base}/webhooks`, presence(3, now + 3))).status).toBe(200);
      const after = await sendHttp(`${server.base}/webhooks/channels/next-room/members`, read);
      expect(after.text).not.toContain('"next-user"');
    } finally {
      await server.stop();
    }
  }, 120_000);
});
