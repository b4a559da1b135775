import { readFileSync } from 'node:fs';
import { SimulationOptionsError } from '../simulator/options.js';
import { simulate } from '../simulator/simulate.js';
import { parseReconcileArgs, parseSimulateArgs, RECONCILE_USAGE, SIMULATE_USAGE, USAGE, UsageError } from './args.js';
import type { ProgressStream } from './progress.js';
import { progressPrinter, reconcileProgressPrinter } from './progress.js';
import { runReconcile } from './reconcile.js';
import { migrateCommand } from './migrate.js';
import { exitCodeOf, formatReconcileSummary, formatReport, reconcileExitCode } from './report.js';
import { closest } from './suggest.js';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborts the run (Ctrl-C): the partial report is still printed. */
  signal?: AbortSignal;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Run the command line; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.stderr : io.stdout).write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  if (command === 'reconcile') return reconcileCommand(rest, io);
  if (command === 'migrate') return migrateCommand(rest, io);
  if (command !== 'simulate') {
    const guess = closest(command, ['simulate', 'reconcile', 'migrate', 'help']);
    io.stderr.write(
      `presence-webhooks: unknown command '${command}'${guess === undefined ? '' : `: did you mean '${guess}'?`}\n\n${USAGE}\n`,
    );
    return 2;
  }
  try {
    const parsed = parseSimulateArgs(rest, io.env);
    if (parsed.help) {
      io.stdout.write(`${SIMULATE_USAGE}\n`);
      return 0;
    }
    const printer = parsed.quiet ? undefined : progressPrinter(io.stderr);
    const report = await simulate({
      ...parsed.options,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      ...(printer === undefined ? {} : { onProgress: printer.onProgress }),
    });
    printer?.finish();
    io.stdout.write(parsed.report === 'json' ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
    return exitCodeOf(report);
  } catch (error) {
    if (error instanceof UsageError || error instanceof SimulationOptionsError) {
      io.stderr.write(`presence-webhooks simulate: ${error.message}\nRun 'presence-webhooks simulate --help' for the options.\n`);
      return 2;
    }
    throw error;
  }
}

/** `presence-webhooks reconcile`: one whole-app reconcile, a summary, exit 0 / 1 / 2. */
async function reconcileCommand(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const parsed = parseReconcileArgs(argv, io.env);
    if (parsed.help) {
      io.stdout.write(`${RECONCILE_USAGE}\n`);
      return 0;
    }
    const printer = parsed.quiet ? undefined : reconcileProgressPrinter(io.stderr);
    let run: Awaited<ReturnType<typeof runReconcile>>;
    try {
      run = await runReconcile(parsed, printer?.onProgress, io.signal);
    } catch (error) {
      printer?.finish();
      if (io.signal?.aborted !== true) throw error;
      io.stderr.write('presence-webhooks reconcile: stopped before the reconcile finished; the channels repaired so far stay repaired\n');
      return 1;
    }
    printer?.finish();
    io.stdout.write(
      parsed.json ? `${JSON.stringify({ ...run.result, store: run.store, errors: run.errors })}\n` : `${formatReconcileSummary(run)}\n`,
    );
    return reconcileExitCode(run.result);
  } catch (error) {
    // A bad option the receiver refuses (its TypeError names it) is a configuration error too.
    if (error instanceof UsageError || (error instanceof TypeError && error.message.startsWith('presence-webhooks:'))) {
      io.stderr.write(
        `presence-webhooks reconcile: ${error.message.replace(/^presence-webhooks: /, '')}\nRun 'presence-webhooks reconcile --help' for the options.\n`,
      );
      return 2;
    }
    throw error;
  }
}
