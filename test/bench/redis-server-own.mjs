// A redis-server of a bench's own (redis-server on PATH; valgrind for callgrind), so that nobody else's commands
// are counted: started on `port` in `dir`, optionally under `valgrind --tool=callgrind` with instrumentation off
// until `callgrindOn`, and counted only inside the scripts (evalGenericCommand: not the event loop, nor serverCron,
// which runs by the clock). Used by redis-script-cost.mjs and redis-lua-costs.mjs.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** Start redis-server (under callgrind when `underCallgrind`); its callgrind output goes to `<dir>/callgrind.out`. */
export function startServer({ port, dir, underCallgrind }) {
  const redisArgs = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  return underCallgrind
    ? spawn(
        'valgrind',
        [
          '--tool=callgrind',
          '--instr-atstart=no',
          '--collect-atstart=no',
          '--toggle-collect=evalGenericCommand',
          `--callgrind-out-file=${join(dir, 'callgrind.out')}`,
          'redis-server',
          ...redisArgs,
        ],
        { stdio: 'ignore' },
      )
    : spawn('redis-server', redisArgs, { stdio: 'ignore' });
}

/** A connection to the server on `port`, once it answers (a minute at most). */
export async function connect(port) {
  for (let i = 0; i < 600; i++) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return client;
    } catch {
      client.disconnect();
      await sleep(100);
    }
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}

/** Shut the server down through `admin` and wait for its process to end. */
export async function stopServer(child, admin) {
  try {
    await admin.shutdown('NOSAVE');
  } catch {
    // the connection closes as it shuts down
  }
  admin.disconnect();
  await new Promise((done) => (child.exitCode !== null ? done() : child.once('exit', done)));
}

/** Turn callgrind's instrumentation of `child` on or off. */
export function callgrindInstrument(child, on) {
  execFileSync('callgrind_control', ['-i', on ? 'on' : 'off', String(child.pid)], { stdio: 'ignore' });
}

/** Dump callgrind's counts of `child` (its counters restart at zero) and answer the instructions counted since the last dump. */
export function callgrindDump(child, dir) {
  execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
  // The newest dump has the largest number (file times are too coarse to tell dumps a moment apart).
  const numbers = readdirSync(dir).flatMap((f) => /^callgrind\.out\.(\d+)$/.exec(f)?.[1] ?? []);
  return callgrindTotal(join(dir, `callgrind.out.${Math.max(...numbers.map(Number))}`));
}

/** The instructions a callgrind output file counted. */
export function callgrindTotal(file) {
  let total = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(?:summary|totals): (\d+)/.exec(line);
    if (m) total = Math.max(total, Number(m[1]));
  }
  return total;
}
