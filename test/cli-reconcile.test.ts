/**
 * `presence-webhooks reconcile`, spawned as a child process (the built bin, as an operator runs
 * it) against a loopback fake of Ably's REST API: the summary and exit 0 when every channel is
 * had, exit 1 when one fails, exit 2 on a usage or configuration error, and the --json document.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReconcileResult } from '@presence-webhooks/core';
import type { RawAblyPresence } from '@presence-webhooks/testing/builders';
import type { PresenceEvent } from '@presence-webhooks/core/store';
import { RedisStore } from '@presence-webhooks/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeAbly } from './helpers/fake-ably-rest.js';
import { startFakeAbly } from './helpers/fake-ably-rest.js';
import { startFakePubNub } from './helpers/fake-pubnub-rest.js';
import { freePort } from './helpers/own-redis.js';
import { deleteKeys, REDIS_URL, redisAvailable, uniquePrefix } from './helpers/redis.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../packages/testing/bin/presence-webhooks.js', import.meta.url));
const KEY = 'appId.keyId:cli-reconcile-secret';
/** The variables the command reads, unset unless a test sets them. */
const CLEAN = {
  ABLY_KEY: '',
  ABLY_REST_URL: '',
  PUBNUB_SUBSCRIBE_KEY: '',
  PUBNUB_REST_URL: '',
  PUSHER_APP_ID: '',
  PUSHER_KEY: '',
  PUSHER_SECRET: '',
  PUSHER_REST_URL: '',
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI to its end (killed after 60 s, so a hang fails instead of blocking). */
function cli(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, ...CLEAN, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const member = (channel: string, i: number): RawAblyPresence => ({
  id: `conn-${i}:0:0`,
  clientId: `user-${i}`,
  connectionId: `conn-${i}`,
  action: 1,
  timestamp: 1_800_000_000_000 + i,
  data: { channel },
});
const NAMES = ['chat:lobby', 'room/4', 'with space', 'café ☕', ...Array.from({ length: 130 }, (_, i) => `room-${i}`)];
const sets = new Map(NAMES.map((name, k) => [name, Array.from({ length: k % 3 }, (_, i) => member(name, i))]));
const members = [...sets.values()].reduce((sum, list) => sum + list.length, 0);

const redis = await redisAvailable();
let fake: FakeAbly;
beforeAll(async () => {
  const build = await new Promise<Run>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-b', 'packages/testing', 'packages/redis'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: out, stderr: '' }));
  });
  expect(build.code, build.stdout).toBe(0);
  fake = await startFakeAbly(KEY, sets, 1000, { enumerationPageSize: 50 });
}, 180_000);
afterAll(async () => {
  await fake?.close();
});

describe('presence-webhooks reconcile', () => {
  it('reconciles every channel the provider lists and prints a summary; exit 0', async () => {
    const before = { ...fake.counts };
    const run = await cli(['reconcile', '--rate', '100'], { ABLY_KEY: KEY, ABLY_REST_URL: fake.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('presence-webhooks reconcile: ably into an in-memory store (a dry look');
    expect(run.stdout).toMatch(new RegExp(`ably +${NAMES.length} channels, ${members} changes, 5 requests, none failed`));
    expect(run.stdout).toContain('RESULT: OK');
    // Not a terminal: no progress bar.
    expect(run.stderr).toBe('');
    expect(fake.counts.channels - before.channels).toBe(3);
    expect(fake.counts.batch - before.batch).toBe(2);
  });

  it('reconciles every provider whose credentials are set when --provider is not given', async () => {
    const pubnub = await startFakePubNub(
      'sub-c-cli',
      new Map([['lobby:é', [{ clientId: 'u-1' }, { clientId: 'u-2', data: { mood: 'ok' } }]]]),
    );
    try {
      const run = await cli(['reconcile', '--json'], {
        ABLY_KEY: KEY,
        ABLY_REST_URL: fake.url,
        PUBNUB_SUBSCRIBE_KEY: 'sub-c-cli',
        PUBNUB_REST_URL: pubnub.url,
      });
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as ReconcileResult;
      expect(Object.keys(result.providers).sort()).toEqual(['ably', 'pubnub']);
      expect(result.providers.pubnub).toMatchObject({ channels: 1, changes: 2, requests: 1, complete: true });
      expect(result).toMatchObject({ channels: NAMES.length + 1, changes: members + 2, complete: true });
      expect(pubnub.counts.global).toBe(1);
    } finally {
      await pubnub.close();
    }
  });

  it('--json prints one parsable document with the result and per provider', async () => {
    const run = await cli(['reconcile', '--provider', 'ably', '--json', '--concurrency', '1'], { ABLY_KEY: KEY, ABLY_REST_URL: fake.url });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as ReconcileResult & { store: string; errors: string[] };
    expect(result).toMatchObject({
      channels: NAMES.length,
      changes: members,
      requests: 5,
      complete: true,
      failed: [],
      ranHere: true,
      store: 'memory',
      errors: [],
    });
    expect(result.providers.ably).toMatchObject({ channels: NAMES.length, requests: 5, complete: true });
  });

  it('exit 1 when a channel cannot be had, naming it', async () => {
    const broken = await startFakeAbly(KEY, sets, 1000, {
      batchErrors: new Map([['café ☕', Infinity]]),
      singleErrors: new Set(['café ☕']),
    });
    try {
      const run = await cli(['reconcile', '--json'], { ABLY_KEY: KEY, ABLY_REST_URL: broken.url });
      expect(run.code, run.stderr).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({ complete: false, failed: ['café ☕'] });
      const text = await cli(['reconcile'], { ABLY_KEY: KEY, ABLY_REST_URL: broken.url });
      expect(text.code).toBe(1);
      expect(text.stdout).toContain('1 failed (café ☕)');
      expect(text.stdout).toContain('RESULT: INCOMPLETE (exit code 1)');
    } finally {
      await broken.close();
    }
  });

  it('exit 2 on a missing key, no credentials at all, a bad flag or a bad --redis URL (not echoed); --help exits 0', async () => {
    const missing = await cli(['reconcile', '--provider', 'ably'], { ABLY_REST_URL: fake.url });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('ably needs ABLY_KEY in the environment');
    const none = await cli(['reconcile']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no provider credentials in the environment');
    const pusher = await cli(['reconcile'], { PUSHER_KEY: 'k' });
    expect(pusher.code).toBe(2);
    expect(pusher.stderr).toContain('pusher needs PUSHER_APP_ID and PUSHER_SECRET');
    const flag = await cli(['reconcile', '--rat', '5'], { ABLY_KEY: KEY });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('did you mean --rate?');
    const rate = await cli(['reconcile', '--rate', 'fast'], { ABLY_KEY: KEY });
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain("--rate must be a number (got 'fast')");
    const redis = await cli(['reconcile', '--redis', 'http://user:hunter2@127.0.0.1:1'], { ABLY_KEY: KEY, ABLY_REST_URL: fake.url });
    expect(redis.code).toBe(2);
    expect(redis.stderr).toContain('--redis must be a redis:// or rediss:// URL');
    expect(redis.stderr).not.toContain('hunter2');
    const help = await cli(['reconcile', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Without --redis the store is an empty in-memory one');
    expect(`${missing.stderr}${flag.stderr}`).not.toContain('cli-reconcile-secret');
  });
});

describe('presence-webhooks reconcile --redis where nothing answers', () => {
  it('one line that names the address and what the connection answered, no stack, no password; exit 1', async () => {
    const port = await freePort();
    const run = await cli(['reconcile', '--provider', 'ably', '--redis', `redis://:hunter2@127.0.0.1:${port}`], {
      ABLY_KEY: KEY,
      ABLY_REST_URL: fake.url,
    });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(new RegExp(`^presence-webhooks: RedisStore: not connected to Redis at 127\\.0\\.0\\.1:${port} within`));
    expect(lines.at(-1)).toContain('ECONNREFUSED');
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(`${run.stdout}${run.stderr}`).not.toContain('hunter2');
  });
});

describe.skipIf(!redis)('presence-webhooks reconcile --redis', () => {
  it('repairs the shared RedisStore: the listed channels right, a ghost in a channel no longer listed gone', async () => {
    const prefix = uniquePrefix('cli-reconcile');
    const admin = new Redis(REDIS_URL, { lazyConnect: true });
    const store = new RedisStore({ url: REDIS_URL, prefix });
    try {
      const ts = Date.now() - 60_000;
      const ghost: PresenceEvent = {
        provider: 'ably',
        channel: 'gone:é',
        memberKey: 'ghost-conn:ghost',
        present: true,
        member: { clientId: 'ghost', connectionId: 'ghost-conn', timestamp: ts },
        order: { ts, serial: -1, index: 0, rank: 0, id: 'ghost' },
      };
      await store.apply([ghost]);
      const run = await cli(['reconcile', '--redis', REDIS_URL, '--redis-prefix', prefix], { ABLY_KEY: KEY, ABLY_REST_URL: fake.url });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('ably into the RedisStore');
      expect(run.stdout).toMatch(new RegExp(`ably +${NAMES.length + 1} channels, ${members + 1} changes`));
      expect(await store.members('gone:é')).toEqual([]);
      for (const [channel, list] of sets)
        expect(
          (await store.members(channel)).map((m) => m.connectionId),
          channel,
        ).toEqual(list.map((m) => m.connectionId));
    } finally {
      await store.close();
      await deleteKeys(admin, prefix);
      await admin.quit();
    }
  });
});
