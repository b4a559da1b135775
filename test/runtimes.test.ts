/**
 * The web handler and the Hono middleware under Bun and Deno (both installed from the npm registry
 * as devDependencies of test/): test/runtimes/serve.ts run by each runtime from the TypeScript
 * sources, signed deliveries and bad input over real HTTP on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ablyBatchRequest, ablyPresenceItem, type BuiltRequest } from '@presence-webhooks/testing/builders';
import { sendHttp, SUITE_KEY } from '@presence-webhooks/testing/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECENT_MS } from './helpers/recent.js';
import { until } from './helpers/until.js';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const RUNTIMES = [
  {
    name: 'Bun',
    command: join(dirname(require.resolve('bun/package.json')), 'bin', 'bun.exe'),
    args: ['--conditions=source', 'runtimes/serve.ts'],
  },
  {
    name: 'Deno',
    command: join(dirname(require.resolve('deno/package.json')), 'deno'),
    args: [
      'run',
      '--allow-net=127.0.0.1',
      '--allow-env',
      '--allow-read',
      '--no-lock',
      '--conditions=source',
      '--unstable-sloppy-imports',
      'runtimes/serve.ts',
    ],
  },
] as const;

let n = 0;
function enter(channel: string): BuiltRequest {
  n += 1;
  return ablyBatchRequest(
    [ablyPresenceItem(channel, [{ id: `rt${n}:0:0`, clientId: `rt-${n}`, connectionId: `rt${n}`, action: 2, timestamp: RECENT_MS + n }])],
    { key: SUITE_KEY },
  );
}

/** Start the server under a runtime and wait (at most 30 s) for the port it prints. */
function start(command: string, args: readonly string[]): Promise<{ child: ChildProcess; base: string; lines: string[] }> {
  const child = spawn(command, args, {
    cwd: here,
    env: { ...process.env, ABLY_KEY: SUITE_KEY, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${command} did not start within 30 s: ${stderr.slice(0, 2000)}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}): ${stderr.slice(0, 2000)}`));
    });
    const lines: string[] = [];
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line.trim());
      const match = /^\{"port":(\d+)\}$/.exec(line.trim());
      if (match === null) return;
      clearTimeout(timer);
      resolve({ child, base: `http://127.0.0.1:${match[1]}`, lines });
    });
  });
}

for (const runtime of RUNTIMES) {
  describe(`${runtime.name}: web handler and Hono middleware`, () => {
    let server: { child: ChildProcess; base: string; lines: string[] };

    beforeAll(async () => {
      server = await start(runtime.command, runtime.args);
    });

    afterAll(async () => {
      if (server === undefined || server.child.exitCode !== null) return;
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill();
      await exited;
    });

    it('signed deliveries through both are applied (read back through the read endpoint)', async () => {
      for (const path of ['/webhooks', '/hono/webhooks']) {
        const answer = await sendHttp(`${server.base}${path}`, enter('runtime-room'));
        expect([path, answer.status, JSON.parse(answer.text)]).toEqual([path, 200, { ok: true, events: 1, rejected: 0 }]);
      }
      const read = await sendHttp(`${server.base}/webhooks/channels/runtime-room/members`, { method: 'GET' });
      expect(read.status).toBe(200);
      expect((JSON.parse(read.text) as { members: unknown[] }).members).toHaveLength(2);
    });

    it('bad input: 401 forged, 413 over the limit (declared and chunked), 405 for GET, 404 outside the path', async () => {
      const forged = enter('runtime-room');
      expect(
        (await sendHttp(`${server.base}/webhooks`, { ...forged, headers: { ...forged.headers, 'x-ably-signature': 'AAAA' } })).status,
      ).toBe(401);
      const big = { headers: { 'content-type': 'application/json' }, body: new Uint8Array(64 * 1024 + 1).fill(0x20) };
      for (const path of ['/webhooks', '/hono/webhooks']) {
        expect((await sendHttp(`${server.base}${path}`, { ...big, declaredLength: big.body.byteLength })).status).toBe(413);
        expect((await sendHttp(`${server.base}${path}`, { ...big, chunked: true, answerBeforeEnd: true })).status).toBe(413);
      }
      expect((await sendHttp(`${server.base}/webhooks`, { method: 'GET' })).status).toBe(405);
      expect((await sendHttp(`${server.base}/elsewhere`, enter('runtime-room'))).status).toBe(404);
    });

    it("a refusal names the client's address the runtime gave (wrong secrets are throttled per address)", async () => {
      for (const path of ['/webhooks', '/hono/webhooks']) {
        const before = server.lines.length;
        const forged = enter('runtime-room');
        const answer = await sendHttp(`${server.base}${path}`, { ...forged, headers: { ...forged.headers, 'x-ably-signature': 'AAAA' } });
        expect(answer.status).toBe(401);
        await until(() => server.lines.slice(before).some((line) => line.startsWith('{"rejectedFrom"')), 'the refusal line');
        const line = server.lines.slice(before).find((l) => l.startsWith('{"rejectedFrom"')) as string;
        expect([path, JSON.parse(line)]).toEqual([path, { rejectedFrom: '127.0.0.1' }]);
      }
    });
  });
}
