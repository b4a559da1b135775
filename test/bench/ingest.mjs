// Section 1: ingest per framework. autocannon (in this process) against a child-process server:
// the framework's bare raw-body route (A), the same route that also verifies the signature and
// JSON.parses the body (F, the floor), and the same framework with presenceWebhooks + MemoryStore
// (B), alternated A/F/B/A/F/B. Every request carries a distinct signed 10-item Ably batch from a
// pre-built pool; each run gets a fresh server, so every body is new to its store (the pool is
// sized for the presence runs; the faster bare route may wrap around it, which it cannot notice).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { presenceBodies } from './fixtures.mjs';
import { median, round } from './stats.mjs';

const SERVER = fileURLToPath(new URL('./ingest-server.mjs', import.meta.url));
export const FRAMEWORKS = ['express', 'koa', 'fastify', 'hono'];
/** A: the bare route; F: bare + signature check + JSON.parse (the floor any receiver pays); B: presenceWebhooks. */
const VARIANTS = ['bare', 'floor', 'presence'];

async function startServer(framework, variant) {
  // BENCH_PROF=<dir> writes a CPU profile of every server to <dir> (for `node /work/notes/prof.js`).
  const execArgv = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`, `--cpu-prof-name=${framework}-${variant}-${Date.now()}.cpuprofile`] : [];
  const child = fork(SERVER, [framework, variant], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const [message] = await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`${framework} ${variant} server exited with ${code}`);
    }),
  ]);
  return { child, port: message.port };
}

async function serverStats(child) {
  child.send('stats');
  for (;;) {
    const [message] = await once(child, 'message');
    if (message.stats !== undefined) return message.stats;
  }
}

async function stopServer(child) {
  const exited = once(child, 'exit');
  child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * One autocannon run; `pool.next` hands out the bodies, never the same one twice while the pool
 * lasts. Latencies are taken from every response at autocannon's own sub-millisecond precision
 * (its summary histogram keeps whole milliseconds, too coarse for a p99 ratio on loopback).
 */
async function load(port, seconds, connections, pool) {
  const latencies = [];
  const instance = autocannon({
    url: `http://127.0.0.1:${port}/webhooks`,
    method: 'POST',
    connections,
    pipelining: 1,
    duration: seconds,
    requests: [
      {
        setupRequest(request) {
          const { headers, body } = pool.next();
          request.headers = headers;
          request.body = body;
          return request;
        },
      },
    ],
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status === 200) latencies.push(ms);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const at = (q) => (latencies.length === 0 ? NaN : round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))], 3));
  return { result, p50: at(0.5), p99: at(0.99) };
}

function makePool(bodies) {
  let i = 0;
  let wraps = 0;
  return {
    meanBytes: Math.round(bodies.reduce((n, b) => n + b.body.length, 0) / bodies.length),
    next() {
      if (i === bodies.length) {
        i = 0;
        wraps++;
      }
      return bodies[i++];
    },
    reset() {
      i = 0;
      wraps = 0;
    },
    get used() {
      return wraps * bodies.length + i;
    },
    get wraps() {
      return wraps;
    },
  };
}

async function oneRun(framework, variant, opts, pool) {
  const { child, port } = await startServer(framework, variant);
  try {
    pool.reset();
    if (opts.warmupSeconds > 0) await load(port, opts.warmupSeconds, opts.connections, pool);
    const before = pool.used;
    child.send('mark');
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const { result: r, p50, p99 } = await load(port, opts.seconds, opts.connections, pool);
    const cpu = process.cpuUsage(cpu0);
    const loadCpuShare = round((cpu.user + cpu.system) / (Number(process.hrtime.bigint() - t0) / 1e3), 2);
    const sent = pool.used - before;
    const stats = await serverStats(child);
    const bad = r.non2xx + r.errors + r.timeouts;
    if (bad > 0) throw new Error(`${framework} ${variant}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
    return {
      framework,
      variant,
      reqPerSec: r.requests.average,
      eventsPerSec: variant === 'presence' ? r.requests.average * 10 : undefined,
      p50,
      p99,
      requests: r.requests.total,
      sent,
      poolWrapped: pool.wraps > 0,
      loadCpuShare,
      // Server CPU per answered request: robust to other load on the machine (unlike req/s).
      serverCpuUsPerRequest: round(stats.cpuMicros / r.requests.total, 1),
      serverSysUsPerRequest: round(stats.sysMicros / r.requests.total, 1),
      server: stats,
    };
  } finally {
    await stopServer(child);
  }
}

/**
 * @param {{ seconds?: number, warmupSeconds?: number, rounds?: number, connections?: number,
 *           poolSize?: number, frameworks?: string[], log?: (line: string) => void }} options
 */
export async function benchIngest(options = {}) {
  const opts = { seconds: 5, warmupSeconds: 1, rounds: 3, connections: 10, poolSize: 100_000, frameworks: FRAMEWORKS, log: () => undefined, ...options };
  const pool = makePool(presenceBodies({ count: opts.poolSize }).map(({ headers, body }) => ({ headers, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) })));
  const runs = [];
  for (const framework of opts.frameworks) {
    for (let r = 0; r < opts.rounds; r++) {
      for (const variant of VARIANTS) {
        const run = await oneRun(framework, variant, opts, pool);
        opts.log(`  ingest ${framework.padEnd(7)} ${variant.padEnd(8)} round ${r + 1}: ${round(run.reqPerSec)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms`);
        runs.push({ round: r + 1, ...run });
      }
    }
  }
  const summary = opts.frameworks.map((framework) => {
    const of = (variant) => runs.filter((x) => x.framework === framework && x.variant === variant);
    const [bare, floorRuns, presence] = VARIANTS.map(of);
    const m = (list, key) => median(list.map((x) => x[key]));
    const row = {
      framework,
      bareReqPerSec: round(m(bare, 'reqPerSec')),
      presenceReqPerSec: round(m(presence, 'reqPerSec')),
      bareP50: m(bare, 'p50'),
      presenceP50: m(presence, 'p50'),
      bareP99: m(bare, 'p99'),
      presenceP99: m(presence, 'p99'),
    };
    // Server CPU per request (user + system, all its threads): what each answer costs, whatever else the machine runs.
    row.bareServerCpuUs = m(bare, 'serverCpuUsPerRequest');
    row.presenceServerCpuUs = m(presence, 'serverCpuUsPerRequest');
    row.floorReqPerSec = round(m(floorRuns, 'reqPerSec'));
    row.floorServerCpuUs = m(floorRuns, 'serverCpuUsPerRequest');
    row.throughputRatio = round(row.presenceReqPerSec / row.bareReqPerSec, 3);
    // The best ratio a receiver that verifies and parses before answering can reach here.
    row.floorRatio = round(row.floorReqPerSec / row.bareReqPerSec, 3);
    row.p99Ratio = round(row.presenceP99 / row.bareP99, 2);
    row.p50Ratio = round(row.presenceP50 / row.bareP50, 2);
    row.presenceEventsPerSec = row.presenceReqPerSec * 10;
    return row;
  });
  return { options: { seconds: opts.seconds, warmupSeconds: opts.warmupSeconds, rounds: opts.rounds, connections: opts.connections, poolSize: opts.poolSize, itemsPerRequest: 10, bodyBytes: pool.meanBytes }, summary, runs };
}
