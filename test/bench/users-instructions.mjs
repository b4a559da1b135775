// Standalone (not a run.mjs section): the CPU of user levels as instructions, which load and the garbage
// collector's timing do not move the way they move process.cpuUsage. The same deliveries as users.mjs's worst shape
// (signed 10-item Ably batches, 5000 clients over 100 channels, each member its user's only presence) through
// receiver.handle() into a MemoryStore, users on (the four user-level handlers) and off, each in its own node under
// `valgrind --tool=callgrind` (node --predictable --single-threaded: no background compiler or GC threads; a full GC just before),
// instrumented only while the last `deliveries` of a third pass are handed over (two unmeasured passes before).
//   pnpm build && node test/bench/users-instructions.mjs [--deliveries=1500] [--core=<another build's packages/core/dist>]
// Prints instructions per delivery, users on and off, and on ÷ off, V8's compiling left out (and with it).
// Needs valgrind (Debian: apt-get install valgrind).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { callgrindInstrument, callgrindTotal } from './callgrind.mjs';
import { BENCH_KEY, presenceBodies } from './fixtures.mjs';
import { round } from './stats.mjs';

const here = fileURLToPath(import.meta.url);
const COUNT = 2000;
const USER_EVENTS = ['user.join', 'user.leave', 'user.online', 'user.offline'];

/** In the child under callgrind: three passes over the deliveries, the last `deliveries` of the third measured. */
async function child({ core: corePath, users, deliveries }) {
  const core = await import(pathToFileURL(resolve(corePath, 'index.js')).href);
  const bodies = presenceBodies({ count: COUNT, format: 'json', clients: 5000 });
  const instrument = (on) => callgrindInstrument(process.pid, on);
  for (let pass = 0; pass < 3; pass++) {
    const receiver = core.createReceiver({
      ably: { keys: [BENCH_KEY] },
      store: new core.MemoryStore(),
      ...(users ? {} : { users: false }),
    });
    let changes = 0;
    for (const name of ['join', 'update', 'leave', ...(users ? USER_EVENTS : [])]) receiver.on(name, () => void changes++);
    const from = pass === 2 ? COUNT - deliveries : COUNT;
    for (let i = 0; i < COUNT; i++) {
      if (i === from) {
        globalThis.gc(); // the measured window starts from the same heap every run: its collections fall alike
        instrument(true);
      }
      const request = bodies[i];
      const res = await receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/webhooks' });
      if (res.status !== 200) throw new Error(`the receiver answered ${res.status}: ${res.body}`);
      await receiver.idle();
    }
    if (pass === 2) instrument(false);
    await receiver.close();
    if (changes < COUNT * 10) throw new Error(`${changes} changes for ${COUNT * 10} events`);
  }
}

/** Instructions counted in one child (users on or off). */
async function measure(options, dir) {
  const out = join(dir, `callgrind.${options.users ? 'on' : 'off'}`);
  const proc = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      `--callgrind-out-file=${out}`,
      process.execPath,
      '--predictable',
      '--single-threaded',
      '--expose-gc',
      '--hash-seed=1',
      '--random-seed=1',
      here,
      JSON.stringify(options),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((done) => proc.once('exit', done));
  if (code !== 0) throw new Error(`valgrind exited ${code}: ${stderr.slice(-2000)}`);
  const total = callgrindTotal(out);
  if (total === 0) throw new Error(`no instructions counted: ${stderr.slice(-2000)}`);
  return { total, compile: compileInstructions(out) };
}

/**
 * Instructions spent compiling (V8's Runtime_Compile* entry points, inclusive: lazy, baseline and optimised
 * compilation; nearly all of it optimised). The optimising compiler still runs in the measured window (measured:
 * 98-112k instructions per delivery after the full GC before it, which makes V8 optimise a dozen functions again;
 * about 45k in a window three passes later without that GC): a cost a long-running receiver does not keep paying,
 * and one that moves with when V8 decides to optimise, not with the code.
 */
function compileInstructions(out) {
  const text = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', out], { encoding: 'utf8', maxBuffer: 64 << 20 });
  let compile = 0;
  for (const m of text.matchAll(/^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+\S*v8::internal::Runtime_Compile\w*\(/gm))
    compile += Number(m[1].replaceAll(',', ''));
  return compile;
}

if (process.argv[2]?.startsWith('{')) {
  await child(JSON.parse(process.argv[2]));
} else {
  const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const deliveries = Number(arg('deliveries', '1500'));
  if (!(deliveries > 0 && deliveries <= COUNT)) throw new Error(`--deliveries: 1..${COUNT}`);
  const core = resolve(arg('core', resolve(dirname(here), '../../packages/core/dist')));
  const dir = mkdtempSync(join(tmpdir(), 'pw-users-instr-'));
  try {
    // Both at once (one core each): instruction counts do not depend on the other's load.
    const [on, off] = await Promise.all([
      measure({ core, users: true, deliveries }, dir),
      measure({ core, users: false, deliveries }, dir),
    ]);
    const k = (n) => `${round(n / deliveries / 1000, 1)}k`;
    const onRun = on.total - on.compile;
    const offRun = off.total - off.compile;
    console.log(
      `users on: ${k(onRun)} instructions per delivery, off: ${k(offRun)}; on ÷ off ${round(onRun / offRun, 3)} ` +
        `(compiling left out: ${k(on.compile)} on, ${k(off.compile)} off; with it ${round(on.total / off.total, 3)}) ` +
        `(${deliveries} deliveries of 10 events, ${core})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
