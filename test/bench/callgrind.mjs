// Callgrind from the benchmarks: turn a process's instrumentation on and off, dump its counts, and read the
// instructions an output file counted (its `summary:` / `totals:` line). Used by redis-script-cost.mjs,
// redis-lua-costs.mjs and users-instructions.mjs.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Turn callgrind's instrumentation of process `pid` on or off. */
export function callgrindInstrument(pid, on) {
  execFileSync('callgrind_control', ['-i', on ? 'on' : 'off', String(pid)], { stdio: 'ignore' });
}

/**
 * Dump callgrind's counts of process `pid` into `dir` (its counters restart at zero) and answer the instructions counted
 * since the last dump.
 */
export function callgrindDump(pid, dir) {
  execFileSync('callgrind_control', ['-d', String(pid)], { stdio: 'ignore' });
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
