/**
 * The quick starts, as a new user takes them: the first TypeScript block of the top README and of the
 * Express, Koa, Fastify and Hono READMEs is compiled as it is written (TypeScript's transpiler, the
 * listening port the only edit), run with node against the built packages, and loaded by the
 * simulator with the read token: each must answer every delivery and match the truth through the
 * read endpoint it shows.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulate } from '@presence-webhooks/testing/simulator';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/own-redis.js';
import { runCommand } from './helpers/run-command.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside test/, so that the quick starts resolve express, koa, ... and our packages from test/node_modules.
const work = mkdtempSync(join(root, 'test', '.quick-start-'));
const KEY = 'quickApp.quickKey:quick-start-secret';
const READ_TOKEN = 'quick-start-read-token';

const QUICK_STARTS: [string, string][] = [
  ['README.md (Express)', 'README.md'],
  ['@presence-webhooks/express', 'packages/express/README.md'],
  ['@presence-webhooks/koa', 'packages/koa/README.md'],
  ['@presence-webhooks/fastify', 'packages/fastify/README.md'],
  ['@presence-webhooks/hono', 'packages/hono/README.md'],
];

function firstTypeScriptBlock(readme: string): string {
  const match = /```ts\n([\s\S]*?)```/.exec(readFileSync(join(root, readme), 'utf8'));
  if (match === null) throw new Error(`${readme} has no ts block`);
  return match[1] as string;
}

beforeAll(async () => {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const built = ['core', 'web', 'express', 'koa', 'fastify', 'hono'].map((name) => join(root, 'packages', name));
  await runCommand(process.execPath, [tsc, '-b', ...built], root, 180_000);
}, 200_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('README quick starts, run as written and loaded by the simulator', () => {
  it.each(QUICK_STARTS)('%s', async (name, readme) => {
    const source = firstTypeScriptBlock(readme);
    expect(source, 'the quick start shows the read endpoint the simulator compares with').toContain('readEndpoint');
    expect(source.match(/3000/g), 'one port to replace').toHaveLength(1);
    const port = await freePort();
    const js = ts.transpileModule(source.replace('3000', String(port)), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const file = join(work, `${name.replace(/[^a-z]+/gi, '-')}.mjs`);
    writeFileSync(file, js);
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, ABLY_KEY: KEY, READ_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const url = `http://127.0.0.1:${port}/webhooks`;
      for (let attempt = 0; ; attempt++) {
        if (child.exitCode !== null) throw new Error(`the quick start exited: ${output}`);
        const up = await fetch(`${url}/channels/probe/members`, { headers: { authorization: `Bearer ${READ_TOKEN}` } }).catch(
          () => undefined,
        );
        if (up !== undefined) break;
        if (attempt > 200) throw new Error(`the quick start did not listen within 20 s: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const report = await simulate({
        url,
        provider: 'ably',
        key: KEY,
        readToken: READ_TOKEN,
        channels: 4,
        members: 30,
        events: 120,
        durationMs: 10_000,
        timeScale: 50,
      });
      expect(report.preflight).toEqual({ status: 'ok' });
      expect(report.verification.status).toBe('match');
      expect(report.dropped).toBe(0);
      expect(output).toContain(' joined '); // its join handler ran
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
