#!/usr/bin/env node
/** The `presence-webhooks` command. */
import { runCli } from './run.js';

const controller = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write('\nStopping: the report covers what was sent so far (Ctrl-C again to quit at once).\n');
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
  });
} catch (error) {
  // One of the packages' own errors (its code in lower snake case: store_unavailable, ...) says what to do in its
  // message; anything else (Node's ERR_… and E… codes included) may be a bug, printed with its stack.
  const code = (error as { code?: unknown } | undefined)?.code;
  const own = error instanceof Error && typeof code === 'string' && /^[a-z][a-z_]*$/.test(code);
  process.stderr.write(`presence-webhooks: ${own ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exitCode = 1;
}
