/**
 * `pnpm demo` as a new user runs it: the built Express example on real HTTP, fed by the simulator.
 * Summary first (per provider, then per channel: counts and the final set with connection ids, and its users:
 * people, not connections; then the users online app-wide);
 * every join / leave only with --verbose; --quiet prints the result line alone.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** `onOutput(stdout, child)` is called as stdout grows (e.g. to interrupt a --serve run once it serves). */
function demo(
  args: readonly string[],
  onOutput?: (stdout: string, child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['examples/express/dist/demo.js', ...args], {
      cwd: root,
      env: { ...process.env, ABLY_KEY: '', PUBNUB_WEBHOOK_SECRET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onOutput?.(stdout, child);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  const build = await new Promise<number | null>((resolve) =>
    spawn(process.execPath, [tsc, '-b', 'examples/express'], { cwd: root, stdio: 'inherit' }).on('close', resolve),
  );
  expect(build).toBe(0);
}, 180_000);

describe('pnpm demo', () => {
  it('prints the summary first: per provider, then per channel the counts and the final set as clientId@connectionId; no join/leave lines', async () => {
    const { code, stdout, stderr } = await demo([]);
    expect(code, stdout + stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBeLessThan(40);
    expect(stdout).not.toMatch(/^ {2}[+-] /m);
    expect(stdout).toMatch(/^ {2}Ably {4}\d+ events in \d+ requests/m);
    expect(stdout).toMatch(/^ {2}PubNub {2}\d+ events in \d+ requests/m);
    expect(stdout).toMatch(/^ {2}Pusher {2}\d+ events in \d+ requests/m);
    const channels = lines.filter((l) => / joins +\d+ updates +\d+ leaves; \d+ present/.test(l));
    expect(channels).toHaveLength(10); // 4 Ably, 3 PubNub, 3 Pusher channels
    const lobby = channels.find((l) => l.trimStart().startsWith('lobby ')) as string;
    expect(lobby).toMatch(/present: client-\d+@conn\w+, /); // Ably members with their connection
    expect(channels.find((l) => l.trimStart().startsWith('pn-lobby '))).toMatch(/present: user-\d+(, |;)/);
    expect(channels.every((l) => l.endsWith('equals the in-order truth'))).toBe(true);
    // people: under each channel its users, a user with several connections once (no connection ids)
    const users = lines.filter((l) => /^ +\d+ users?: .*; equals the in-order truth$/.test(l));
    expect(users).toHaveLength(10);
    for (const channel of channels) expect(users).toContain(lines[lines.indexOf(channel) + 1]);
    const lobbyUsers = lines[lines.indexOf(lobby) + 1] as string;
    expect(lobbyUsers).toMatch(/users: client-\d+, /);
    expect(lobbyUsers).not.toContain('@');
    // fewer users than members in an Ably channel where someone has two tabs open
    const present = Number(/(\d+) present/.exec(lobby)?.[1]);
    expect(Number(/^ +(\d+) users/.exec(lobbyUsers)?.[1])).toBeLessThanOrEqual(present);
    expect(stdout).toMatch(/^\d+ users online \(each person once, whatever their connections and channels\); equals the in-order truth$/m);
    expect(stdout).toMatch(/--verbose lists every effective join and leave; --quiet prints only the result/);
    expect(lines.at(-1)).toBe('RESULT: the receiver set equals the in-order truth on every channel.');
  });

  it('--verbose adds every join and leave after the summary; --quiet prints only the result line; an unknown flag is refused', async () => {
    const verbose = await demo(['--verbose']);
    expect(verbose.code, verbose.stderr).toBe(0);
    const joins = verbose.stdout.indexOf('\n  + ');
    expect(joins).toBeGreaterThan(verbose.stdout.indexOf('present:'));
    expect(verbose.stdout).toMatch(/^ {2}\+ ably lobby: client-\d+@conn\w+ joined$/m);
    expect(verbose.stdout).toMatch(/^ {2}- pubnub pn-\S+: user-\d+ left \[\w+\]$/m);
    const quiet = await demo(['--quiet']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe('RESULT: the receiver set equals the in-order truth on every channel.\n');
    const typo = await demo(['--verbos']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown option --verbos .*--verbose/);
  });

  it('--serve keeps serving after the result; Ctrl-C (SIGINT) then ends it with the exit code of the run', async () => {
    let interrupted = false;
    const served = await demo(['--serve', '--quiet'], (stdout, child) => {
      if (!interrupted && stdout.includes('Still serving:')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    expect(interrupted).toBe(true);
    expect(served.stdout).toMatch(/^RESULT: the receiver set equals the in-order truth on every channel\.$/m);
    expect(served.code, served.stderr).toBe(0);
  });
});
