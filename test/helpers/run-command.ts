import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * Run a command to completion (npm, tsc, next build ...) within `timeout` ms and give back its
 * stdout and stderr; a failure throws with both, so the test shows why.
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  cwd: string,
  timeout = 90_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  try {
    const { stdout, stderr } = await exec(command, [...args], {
      cwd,
      timeout,
      maxBuffer: 32 * 1024 * 1024,
      env: { ...env, npm_config_update_notifier: 'false' },
    });
    return stdout + stderr;
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** `npm install` of `packages` into the app at `dir`, quietly, from npm's cache when it can. */
export function npmInstall(dir: string, packages: readonly string[], timeout = 110_000): Promise<string> {
  return runCommand('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...packages], dir, timeout);
}
