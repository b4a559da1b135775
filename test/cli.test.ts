/**
 * The `presence-webhooks` command, spawned as a child process (the built bin, as a user runs it)
 * against real Express servers on loopback: its JSON and text reports, the comparison with the
 * truth through the read endpoint, retries against a faulty server, and its exit codes.
 */
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { SimulationReport } from '@presence-webhooks/testing/simulator';
import { beforeAll, describe, expect, it } from 'vitest';
import { SIM_KEY, SIM_SECRET, simTargets } from './helpers/sim-target.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../packages/testing/bin/presence-webhooks.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to its end (killed after 60 s, so a hang fails instead of blocking). */
function run(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, ABLY_KEY: '', PUBNUB_WEBHOOK_SECRET: '', PRESENCE_READ_TOKEN: '', ...env },
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

const cli = (args: readonly string[], env?: Record<string, string>) => run(process.execPath, [bin, ...args], env);

const target = simTargets();

/** A small, fast run: 5 channels, 40 members, 200 events over 10 s of provider time played 40 times faster. */
const small = ['--channels', '5', '--members', '40', '--events', '200', '--duration', '10s', '--time-scale', '40'];

beforeAll(async () => {
  // The bin runs the compiled CLI, and one test runs the example server: build them (a no-op when dist is up to date).
  const build = await run(process.execPath, [
    fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)),
    '-b',
    'packages/testing',
    'examples/express',
  ]);
  expect(build.code, build.stdout + build.stderr).toBe(0);
}, 180_000);

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server that answers every POST 200 and never answers a GET (a read endpoint that hangs). */
async function silentReads(): Promise<{ url: string; nextRead: () => Promise<void>; close(): Promise<void> }> {
  const waiting: (() => void)[] = [];
  const server = createHttpServer((req, res) => {
    if (req.method === 'GET') return void waiting.splice(0).forEach((resolve) => resolve());
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    nextRead: () => new Promise((resolve) => waiting.push(resolve)),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('presence-webhooks simulate', () => {
  it("the README's walk-through: the built Express example with READ_TOKEN, loaded by the CLI, matches the truth", async () => {
    const port = await freePort();
    const key = 'readmeApp.readmeKey:readme-secret';
    const server = spawn(process.execPath, ['examples/express/dist/server.js'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), ABLY_KEY: key, READ_TOKEN: 'readme-read-token' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('presence webhooks on') && resolve());
        server.once('exit', (code) => reject(new Error(`the example server exited (${code})`)));
      });
      server.stdout.resume();
      const url = `http://127.0.0.1:${port}/webhooks`;
      const result = await cli([
        'simulate',
        '--url',
        url,
        '--provider',
        'ably',
        '--key',
        key,
        '--read-token',
        'readme-read-token',
        ...small,
        '--quiet',
      ]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/MATCH: the receiver's set equals the truth on all 5 channels/);
    } finally {
      server.kill();
    }
  });

  it('Ably against a receiver with its read endpoint on: a JSON report that matches the truth, exit code 0, progress on stderr', async () => {
    const t = await target({ readEndpoint: true });
    const result = await cli([
      'simulate',
      '--url',
      t.url,
      '--provider',
      'ably',
      '--key',
      SIM_KEY,
      ...small,
      '--seed',
      '7',
      '--report',
      'json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as SimulationReport;
    expect(report).toMatchObject({ provider: 'ably', target: t.url, seed: 7, events: 200, dropped: 0, complete: true });
    expect(report.channels).toHaveLength(5);
    expect(report.verification.status).toBe('match');
    expect(report.statuses['200']).toBe(report.requests);
    expect(result.stderr).toMatch(/^progress \d+%: .* events/m); // not a TTY: plain lines
    // The receiver really holds the truth the CLI reported.
    await t.receiver.idle();
    for (const channel of report.channels) {
      const held = (await t.receiver.store.members(channel)).map((m) => m.clientId).sort();
      expect(held, channel).toEqual((report.truth[channel] ?? []).map((m) => m.clientId).sort());
    }
  });

  it('PubNub against a server that answers 500 or drops some requests: retries, and the set still matches', async () => {
    const t = await target({ readEndpoint: true, faults: { fail500Every: 3, loseAnswerEvery: 5, stallEvery: 11, maxPerBody: 2 } });
    const result = await cli([
      'simulate',
      '--url',
      t.url,
      '--provider',
      'pubnub',
      '--secret',
      SIM_SECRET,
      ...small,
      '--timeout',
      '1s',
      '--report',
      'json',
      '--quiet',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as SimulationReport;
    expect(t.injected.fail500).toBeGreaterThan(0);
    expect(report.statuses['500']).toBe(t.injected.fail500);
    expect(report.statuses.error).toBeGreaterThanOrEqual(t.injected.lostAnswer);
    expect(report.statuses.timeout).toBeGreaterThanOrEqual(t.injected.stall);
    expect(report.retries).toBeGreaterThan(0);
    expect(report).toMatchObject({ dropped: 0, complete: true });
    expect(report.verification.status).toBe('match');
    expect(result.stderr).toBe(''); // --quiet
  });

  it('the text report; MsgPack; the key from ABLY_KEY', async () => {
    const t = await target({ readEndpoint: true });
    const result = await cli(['simulate', '--url', t.url, '--provider', 'ably', '--format', 'msgpack', ...small, '--quiet'], {
      ABLY_KEY: SIM_KEY,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^presence-webhooks simulate: ably -> http:\/\/127\.0\.0\.1:\d+\/webhooks$/m);
    expect(result.stdout).toMatch(/requests +\d+ sent, \d+ answered 2xx/);
    expect(result.stdout).toMatch(/answers +200 x\d+/);
    expect(result.stdout).toMatch(/MATCH: the receiver's set equals the truth on all 5 channels/);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('RESULT: OK');
  });

  it('a token-protected read endpoint: compared with --read-token; a wrong or missing token fails before the load (exit code 2, nothing sent)', async () => {
    const t = await target({ readEndpoint: { token: 'cli-read-token-0123456789' } });
    const ok = await cli([
      'simulate',
      '--url',
      t.url,
      '--provider',
      'pubnub',
      '--secret',
      SIM_SECRET,
      '--read-token',
      'cli-read-token-0123456789',
      ...small,
      '--report',
      'json',
      '--quiet',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout) as SimulationReport).toMatchObject({ preflight: { status: 'ok' }, verification: { status: 'match' } });
    // A long run (10 minutes of provider time in real time) that must not start.
    const long = ['--channels', '5', '--members', '40', '--events', '2000', '--duration', '10m'];
    const refused = await cli(['simulate', '--url', t.url, '--provider', 'pubnub', '--secret', SIM_SECRET, ...long, '--quiet']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/stopped +before the load, nothing sent: the read endpoint refused the token \(401\)/);
    expect(refused.stdout).toMatch(/RESULT: FAILED \(exit code 2\)/);
    const wrong = await cli([
      'simulate',
      '--url',
      t.url,
      '--provider',
      'pubnub',
      '--secret',
      SIM_SECRET,
      '--read-token',
      'not-the-token',
      ...long,
      '--report',
      'json',
    ]);
    expect(wrong.code).toBe(2);
    const report = JSON.parse(wrong.stdout) as SimulationReport;
    expect(report).toMatchObject({ requests: 0, preflight: { status: 'unauthorized' }, verification: { status: 'unauthorized' } });
    expect(wrong.stderr).toBe(''); // no progress: the load never started
  });

  it('nothing listening at --url: fails before the load with exit code 2 and says so', async () => {
    const port = await freePort();
    const result = await cli([
      'simulate',
      '--url',
      `http://127.0.0.1:${port}/webhooks`,
      '--provider',
      'ably',
      '--key',
      SIM_KEY,
      '--duration',
      '10m',
      '--events',
      '2000',
      '--quiet',
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      /stopped +before the load, nothing sent: nothing answers at http:\/\/127\.0\.0\.1:\d+\/webhooks: .*ECONNREFUSED.*Is the server running there\?/,
    );
    const json = await cli([
      'simulate',
      '--url',
      `http://127.0.0.1:${port}/webhooks`,
      '--provider',
      'ably',
      '--key',
      SIM_KEY,
      '--duration',
      '10m',
      '--events',
      '2000',
      '--report',
      'json',
      '--quiet',
    ]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ requests: 0, preflight: { status: 'unreachable' } });
  });

  it('a wrong path in --url: stopped at once (exit code 2, nothing sent), the 404 explained', async () => {
    const t = await target({ readEndpoint: true });
    const wrongPath = t.url.replace(/\/webhooks$/, '/webhook');
    // A long run (10 minutes of provider time in real time) that must not start.
    const args = ['simulate', '--url', wrongPath, '--provider', 'ably', '--key', SIM_KEY, '--duration', '10m', '--events', '2000'];
    const result = await cli([...args, '--quiet']);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      /stopped +before the load, nothing sent: nothing is mounted at http:\/\/127\.0\.0\.1:\d+\/webhook: GET .*\/webhook\/channels\/.*\/members answered 404 from something other than a presence-webhooks receiver\. Is the path of --url the one the middleware is mounted on/,
    );
    const json = await cli([...args, '--report', 'json', '--quiet']);
    expect(JSON.parse(json.stdout)).toMatchObject({ requests: 0, preflight: { status: 'not_mounted' } });
  });

  it('a target without a read endpoint: not compared, exit code 0', async () => {
    const t = await target();
    const result = await cli(['simulate', '--url', t.url, '--provider', 'ably', '--key', SIM_KEY, ...small, '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/not compared: the receiver has no read endpoint \(404 read_endpoint_off\)/);
  });

  it('a read endpoint that never answers: the read-back stops at --settle or Ctrl-C, lists the channels not verified, exit code 1', async () => {
    const server = await silentReads();
    try {
      const args = [
        'simulate',
        '--url',
        `${server.url}/webhooks`,
        '--provider',
        'ably',
        '--key',
        SIM_KEY,
        ...small,
        '--report',
        'json',
        '--quiet',
      ];
      const settled = await cli([...args, '--settle', '1s']);
      expect(settled.code, settled.stderr).toBe(1);
      const report = JSON.parse(settled.stdout) as SimulationReport;
      expect(report.verification).toMatchObject({ status: 'incomplete', reason: expect.stringMatching(/settle time/), channels: [] });
      expect(report.verification.status === 'incomplete' && [...report.verification.unverified].sort()).toEqual(
        [...report.channels].sort(),
      );

      expect(report.preflight).toMatchObject({ status: 'inconclusive', reason: expect.stringMatching(/did not answer within/) }); // the check before the load did not stop it
      expect(settled.stdout).not.toBe('');

      // Ctrl-C while the reads hang (the settle time would allow ten minutes): the first GET is the check before the load.
      const checking = server.nextRead();
      const child = spawn(process.execPath, [bin, ...args, '--settle', '10m'], {
        cwd: root,
        env: { ...process.env, ABLY_KEY: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await checking;
      await server.nextRead();
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(killer);
      expect(code).toBe(1);
      expect(JSON.parse(stdout)).toMatchObject({ verification: { status: 'incomplete', reason: 'the run was stopped' } });
    } finally {
      await server.close();
    }
  });

  it('a receiver that acknowledges deliveries without applying them: MISMATCH, exit code 1', async () => {
    const t = await target({ readEndpoint: true, faults: { swallowEvery: 4 } });
    const result = await cli([
      'simulate',
      '--url',
      t.url,
      '--provider',
      'pubnub',
      '--secret',
      SIM_SECRET,
      ...small,
      '--settle',
      '300ms',
      '--quiet',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/MISMATCH on \d+ of 5 channels/);
    expect(result.stdout).toMatch(/RESULT: FAILED \(exit code 1\)/);
  });

  it('a wrong key: every delivery refused (401), events dropped, a hint, exit code 1', async () => {
    const t = await target({ readEndpoint: true });
    const result = await cli([
      'simulate',
      '--url',
      t.url,
      '--provider',
      'ably',
      '--key',
      'simApp.simKey:wrong',
      '--channels',
      '1',
      '--members',
      '3',
      '--events',
      '10',
      '--duration',
      '1s',
      '--time-scale',
      '2000',
      '--quiet',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/answers +401 x\d+/);
    expect(result.stdout).toMatch(/dropped +10 events the provider gave up on/);
    expect(result.stdout).toMatch(/hint +the receiver answered 401: is --key one of the keys it trusts/);
    // Nothing was accepted: an empty set equals the (empty) truth of what was accepted, which is no match.
    expect(result.stdout).not.toMatch(/MATCH/);
    expect(result.stdout).toMatch(/receiver +not compared: the receiver answered 2xx to none of the \d+ requests/);
  });

  it('usage errors: exit code 2 and a message that says what to fix', async () => {
    const cases: [string[], RegExp][] = [
      [['simulate', '--provider', 'ably', '--key', SIM_KEY], /--url is required/],
      [
        ['simulate', '--url', 'http://127.0.0.1:9/webhooks', '--provider', 'mqtt'],
        /--provider must be ably or pubnub or pusher \(got 'mqtt'\)/,
      ],
      [['simulate', '--url', 'http://127.0.0.1:9/webhooks', '--provider', 'ably'], /--key is required for Ably \(or set ABLY_KEY\)/],
      [['simulate', '--url', 'http://127.0.0.1:9/webhooks', '--provider', 'pubnub'], /--secret is required for PubNub/],
      [
        ['simulate', '--url', 'http://127.0.0.1:9/webhooks', '--provider', 'ably', '--key', SIM_KEY, '--duration', 'soon'],
        /--duration must be a time such as 30s/,
      ],
      [['simulate', '--url', 'http://127.0.0.1:9/webhooks', '--provider', 'ably', '--key', SIM_KEY, '--channels', '-3'], /--channels/],
      [
        ['simulate', '--url', 'http://127.0.0.1:9/webhooks', '--provider', 'ably', '--key', SIM_KEY, '--bogus'],
        /Unknown option '--bogus'\n/,
      ],
      [
        ['simulate', '--url', 'http://127.0.0.1:9/webhooks', '--provider', 'ably', '--key', SIM_KEY, '--chanels', '3'],
        /Unknown option '--chanels': did you mean --channels\?/,
      ],
      [
        ['simulate', '--url', 'http://127.0.0.1:9/webhooks', '--provider', 'ably', '--key', SIM_KEY, '--read-tokn', 'x'],
        /did you mean --read-token\?/,
      ],
      [
        ['simulate', '--url', 'http://127.0.0.1:9/webhooks', '--provider', 'ably', '--key', SIM_KEY, '--timescale', '10'],
        /did you mean --time-scale\?/,
      ],
      [
        ['simulate', '--url', 'http://127.0.0.1:9/webhooks', '--provider', 'ably', '--key', SIM_KEY, '--verify'],
        /did you mean --no-verify\?/,
      ],
      [['simulat', '--url', 'http://127.0.0.1:9/webhooks'], /unknown command 'simulat': did you mean 'simulate'\?/],
      [['simulate', '--url', 'not a url', '--provider', 'ably', '--key', SIM_KEY], /url is not a URL/],
      [['simulate', '--url', 'http://127.0.0.1:9/webhooks', '--provider', 'ably', '--key', 'no-secret-part'], /key must be the API key/],
      [['launch'], /unknown command 'launch'/],
      [[], /Usage: presence-webhooks <command>/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(result.stdout).toBe('');
    }
  });

  it('--help prints the options (exit code 0); pnpm exec presence-webhooks runs the workspace bin', async () => {
    const help = await cli(['simulate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--time-scale <x>/);
    expect(help.stdout).toMatch(/Exit code: 0 when/);
    const version = await run('pnpm', ['exec', 'presence-webhooks', '--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
