// Top self-time entries of a V8 CPU profile (`node --cpu-prof`, or BENCH_PROF=<dir> pnpm bench),
// by function, as a share of all samples:
//   node test/bench/prof-summary.mjs <file.cpuprofile> [top=25] [--md]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const args = process.argv.slice(2);
const md = args.includes('--md');
const [file, topArg = '25'] = args.filter((a) => a !== '--md');
if (file === undefined) throw new Error('usage: prof-summary.mjs <file.cpuprofile> [top] [--md]');
const profile = JSON.parse(readFileSync(file, 'utf8'));

/** Where a node's time goes: its function and file (node internals and dependencies by package). */
function label(frame) {
  const name = frame.functionName || '(anonymous)';
  const url = frame.url ?? '';
  if (url === '') return name;
  const at = url.lastIndexOf('node_modules/');
  const where = url.startsWith('node:') ? url : at >= 0 ? url.slice(at + 13).replace(/^\.pnpm\/[^/]+\/node_modules\//, '') : basename(url);
  return `${name} ${where}:${frame.lineNumber + 1}`;
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
const self = new Map();
let total = 0;
for (const [id, n] of counts) {
  const key = label(byId.get(id).callFrame);
  self.set(key, (self.get(key) ?? 0) + n);
  total += n;
}
const idle = self.get('(idle)') ?? 0;
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg));
const pct = (n) => `${((100 * n) / total).toFixed(1)}%`;
if (md) {
  process.stdout.write('| self | function |\n|---|---|\n');
  for (const [key, n] of rows) process.stdout.write(`| ${pct(n)} | \`${key}\` |\n`);
} else {
  process.stdout.write(`${total} samples, idle ${pct(idle)}\n`);
  for (const [key, n] of rows) process.stdout.write(`${pct(n).padStart(6)}  ${key}\n`);
}
