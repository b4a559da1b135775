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
  // One of the packages' own errors (it has a code: a store that cannot answer, ...) says what to do in its message;
  // anything else is a bug, printed with its stack.
  const coded = error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
  process.stderr.write(`presence-webhooks: ${coded ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exitCode = 1;
}
