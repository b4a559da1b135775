import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Run a PostgreSQL binary as the postgres user when we are root (initdb refuses root). */
function run(tool: string, args: string[]): Promise<unknown> {
  const asRoot = process.getuid?.() === 0;
  return asRoot ? exec('runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]) : exec(join(BIN, tool), args);
}

export interface OwnPostgres {
  url: string;
  port: number;
  start(): Promise<void>;
  /** `immediate`: like a crash (no checkpoint); `fast`: a clean shutdown that drops the connections. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of the test's own, in a temp folder on a free port (never the shared server), with
 * trust auth and fsync off. Needs the server binaries (Debian: /usr/lib/postgresql/15/bin).
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-own-pg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await exec('id', ['-u', 'postgres']);
    const { stdout: gid } = await exec('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`;
  const start = async () => {
    await run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop: async (mode = 'fast') => {
      await run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    },
    destroy: async () => {
      await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether the server binaries are here (the fault tests skip without them, with a line saying so). */
export async function ownPostgresPossible(): Promise<boolean> {
  try {
    await exec(join(BIN, 'pg_ctl'), ['--version']);
    return true;
  } catch {
    console.warn(`PostgreSQL fault tests skipped: no ${BIN}/pg_ctl (apt-get install -y postgresql, or set PG_BIN)`);
    return false;
  }
}
