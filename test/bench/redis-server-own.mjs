// A redis-server of a bench's own (redis-server on PATH; valgrind for callgrind), so that nobody else's commands
// are counted: started on `port` in `dir`, optionally under `valgrind --tool=callgrind` with instrumentation off
// until callgrind.mjs's `callgrindInstrument` turns it on, and counted only inside the scripts (evalGenericCommand:
// not the event loop, nor serverCron, which runs by the clock). Used by redis-script-cost.mjs and redis-lua-costs.mjs.
import { spawn } from 'node:child_process';
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
