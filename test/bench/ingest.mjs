// Section 1: ingest per framework. autocannon (in this process) against a child-process server:
// the framework's bare raw-body route, the same route that also verifies the signature and
// JSON.parses the body (the floor), two peers (a naive Map-per-channel handler on the floor, and
// @octokit/webhooks' node middleware on the same bodies signed its way) and the same framework
// with presenceWebhooks + MemoryStore, alternated round by round. Every request carries a distinct signed 10-item Ably batch from a
// pre-built pool; each run gets a fresh server, so every body is new to its store (the pool is
// sized for the presence runs; the faster bare route may wrap around it, which it cannot notice).
import { fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { OCTOKIT_SECRET, presenceBodies } from './fixtures.mjs';
import { median, round } from './stats.mjs';

const SERVER = fileURLToPath(new URL('./ingest-server.mjs', import.meta.url));
export const FRAMEWORKS = ['express', 'koa', 'fastify', 'hono'];
/**
 * bare: the raw-body route; floor: bare + signature check + JSON.parse (what any receiver pays);
 * naive: the floor + a Map per channel; octokit: @octokit/webhooks' middleware; presence: presenceWebhooks.
 */
export const VARIANTS = ['bare', 'floor', 'naive', 'octokit', 'presence'];

async function startServer(framework, variant, candidate) {
  // BENCH_PROF=<dir> writes a CPU profile of every server to <dir> (for `node /work/notes/prof.js`).
  // BENCH_NODE_ARGS adds node / V8 flags to every server (e.g. `--trace-deopt`).
  const execArgv = [
    ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    ...(process.env.BENCH_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`, `--cpu-prof-name=${framework}-${variant}-${Date.now()}.cpuprofile`]
      : []),
  ];
  const env =
    candidate.root !== undefined
      ? { ...process.env, BENCH_PACKAGES: join(candidate.root, 'packages') }
      : candidate.core !== undefined
        ? { ...process.env, BENCH_CORE: candidate.core }
        : process.env;
  // BENCH_PERF=<dir> runs every server under `perf record -e cpu-clock -g` (CPU-time samples, kernel included,
  // JS frames named through --perf-basic-prof): read with `perf report -i <dir>/<file>.data --no-children`.
  const perf = process.env.BENCH_PERF
    ? {
        execPath: 'perf',
        execArgv: [
          'record',
          '-q',
          '-e',
          'cpu-clock',
          '-F',
          '1999',
          '-g',
          '-o',
          join(process.env.BENCH_PERF, `${framework}-${variant}-${Date.now()}.data`),
          '--',
          process.execPath,
          '--perf-basic-prof',
          ...execArgv,
        ],
        cwd: process.env.BENCH_PERF, // where V8 writes its isolate logs
      }
    : { execArgv };
  const child = fork(SERVER, [framework, variant], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env, ...perf });
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

/** The same bodies signed the way @octokit/webhooks checks them (one headers object per body, shared bytes). */
function octokitBodies(bodies) {
  return bodies.map(({ body }, i) => ({
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': `bench-${i}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', OCTOKIT_SECRET).update(body).digest('hex')}`,
    },
  }));
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

/** A barrier for `n` runs: each awaits the call until all `n` have made it. */
function barrier(n) {
  let waiting = 0;
  let release;
  const all = new Promise((resolve) => (release = resolve));
  return () => {
    if (++waiting === n) release();
    return all;
  };
}

/** One run of one variant; `ready` lines it up with the runs it shares the machine with (see `paired`). */
async function oneRun(framework, variant, opts, pool, ready = barrier(1)) {
  const { child, port } = await startServer(framework, variant, { core: opts.candidateCore, root: opts.candidateRoot });
  try {
    pool.reset();
    if (opts.warmupSeconds > 0) await load(port, opts.warmupSeconds, opts.connections, pool);
    await ready();
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
      eventsPerSec: ['presence', 'candidate', 'handle'].includes(variant) ? r.requests.average * 10 : undefined,
      p50,
      p99,
      requests: r.requests.total,
      sent,
      poolWrapped: pool.wraps > 0,
      loadCpuShare,
      // Server CPU per answered request: robust to other load on the machine (unlike req/s).
      serverCpuUsPerRequest: round(stats.cpuMicros / r.requests.total, 1),
      serverSysUsPerRequest: round(stats.sysMicros / r.requests.total, 1),
      // In-server receiver.handle() time (presence only): median and p99 over the measured run.
      handleP50Us: stats.handle?.p50Us,
      handleP99Us: stats.handle?.p99Us,
      afterBodyP50Us: stats.handle?.afterBodyP50Us,
      afterBodyP99Us: stats.handle?.afterBodyP99Us,
      handleP999Us: stats.handle?.p999Us,
      // GC in the server over the measured run: pause time per request, and the mark-compacts.
      gcUsPerRequest: round(((stats.gc.minor.ms + stats.gc.major.ms + stats.gc.other.ms) * 1000) / r.requests.total, 1),
      gcMajorCount: stats.gc.major.count,
      gcMajorMaxMs: stats.gc.major.maxMs,
      server: stats,
    };
  } finally {
    await stopServer(child);
  }
}

/**
 * @param {{ seconds?: number, warmupSeconds?: number, rounds?: number, connections?: number,
 *           poolSize?: number, frameworks?: string[], variants?: string[], candidateCore?: string,
 *           candidateRoot?: string, paired?: boolean, log?: (line: string) => void }} options
 *   variants: a subset of VARIANTS, plus 'handle' (the floor's route calling receiver.handle()
 *   itself: core without an adapter) and 'candidate' (presence on the core build at candidateCore,
 *   a path to its index.js, or with core and the adapter of the checkout at candidateRoot, built)
 *   to compare a change within the same run. paired: run presence and candidate at the same time
 *   (each with its own server and `connections`), so that other work on the machine weighs on both alike.
 */
export async function benchIngest(options = {}) {
  const opts = {
    seconds: 5,
    warmupSeconds: 1,
    rounds: 3,
    connections: 10,
    poolSize: 100_000,
    frameworks: FRAMEWORKS,
    variants: VARIANTS,
    log: () => undefined,
    ...options,
  };
  const ably = presenceBodies({ count: opts.poolSize }).map(({ headers, body }) => ({
    headers,
    body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
  }));
  const pools = { ably: makePool(ably), octokit: makePool(octokitBodies(ably)) };
  const pool = pools.ably;
  const runs = [];
  // paired: presence and candidate run at the same time (own servers, own load, warmed up and
  // measured together), so both see the same machine: an A/B robust to other work on it.
  const paired = opts.paired === true && opts.variants.includes('presence') && opts.variants.includes('candidate');
  for (const framework of opts.frameworks) {
    for (let r = 0; r < opts.rounds; r++) {
      for (const variant of opts.variants) {
        if (paired && variant === 'candidate') continue;
        const together = paired && variant === 'presence' ? ['presence', 'candidate'] : [variant];
        const ready = barrier(together.length);
        const results = await Promise.all(
          together.map((v) => oneRun(framework, v, opts, v === 'octokit' ? pools.octokit : makePool(ably), ready)),
        );
        for (const run of results) {
          opts.log(
            `  ingest ${framework.padEnd(7)} ${run.variant.padEnd(8)} round ${r + 1}${together.length > 1 ? ` (with ${together.filter((v) => v !== run.variant).join(', ')})` : ''}: ${round(run.reqPerSec)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms`,
          );
          runs.push({ round: r + 1, ...run });
        }
      }
    }
  }
  const summary = opts.frameworks.map((framework) => {
    const of = (variant) => runs.filter((x) => x.framework === framework && x.variant === variant);
    const [bare, floorRuns, naive, octokit, presence] = VARIANTS.map(of);
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
    row.naiveServerCpuUs = m(naive, 'serverCpuUsPerRequest');
    row.octokitServerCpuUs = m(octokit, 'serverCpuUsPerRequest');
    row.naiveReqPerSec = round(m(naive, 'reqPerSec'));
    row.octokitReqPerSec = round(m(octokit, 'reqPerSec'));
    // Server CPU per request against the floor and the peers: medians over the rounds of each
    // round's ratio (the variants of one round run back to back, under the same machine load).
    const perRound = (runs, peer) => {
      const ratios = runs.flatMap((p) =>
        peer.filter((x) => x.round === p.round).map((x) => p.serverCpuUsPerRequest / x.serverCpuUsPerRequest),
      );
      return ratios.length === 0 ? undefined : round(median(ratios), 3);
    };
    row.cpuToFloor = perRound(presence, floorRuns);
    row.cpuToNaive = perRound(presence, naive);
    row.cpuToOctokit = perRound(presence, octokit);
    row.naiveCpuToFloor = perRound(naive, floorRuns);
    row.octokitCpuToFloor = perRound(octokit, floorRuns);
    const candidate = of('candidate');
    if (candidate.length > 0) {
      row.candidateServerCpuUs = m(candidate, 'serverCpuUsPerRequest');
      row.candidateCpuToFloor = perRound(candidate, floorRuns);
      row.candidateCpuToOctokit = perRound(candidate, octokit);
      row.candidateCpuToPresence = perRound(candidate, presence);
      row.candidateHandleP99ToP50 = round(median(candidate.map((p) => p.handleP99Us / p.handleP50Us)), 2);
    }
    // core without the adapter: the floor's route calling receiver.handle(); presence ÷ handle is the adapter's share.
    const direct = of('handle');
    if (direct.length > 0) {
      row.handleServerCpuUs = m(direct, 'serverCpuUsPerRequest');
      row.handleCpuToFloor = perRound(direct, floorRuns);
      row.cpuToHandle = perRound(presence, direct);
    }
    // In-server handle() time under load: p99 over median (each run's own), median over the rounds.
    row.handleP50Us = m(presence, 'handleP50Us');
    row.handleP99Us = m(presence, 'handleP99Us');
    row.handleP99ToP50 = round(median(presence.map((p) => p.handleP99Us / p.handleP50Us)), 2);
    // The same from the moment the body was read: handle() reads a lazy body itself, which may wait for the network.
    row.afterBodyP99ToP50 = round(median(presence.map((p) => p.afterBodyP99Us / p.afterBodyP50Us)), 2);
    // GC pauses in the presence server (per request; mark-compacts per run and the longest), against the floor's.
    row.presenceGcUs = m(presence, 'gcUsPerRequest');
    row.floorGcUs = m(floorRuns, 'gcUsPerRequest');
    row.presenceMajorGcs = m(presence, 'gcMajorCount');
    row.presenceMajorGcMaxMs = m(presence, 'gcMajorMaxMs');
    row.p50Ratio = round(row.presenceP50 / row.bareP50, 2);
    row.presenceEventsPerSec = row.presenceReqPerSec * 10;
    return row;
  });
  return {
    options: {
      seconds: opts.seconds,
      warmupSeconds: opts.warmupSeconds,
      rounds: opts.rounds,
      connections: opts.connections,
      poolSize: opts.poolSize,
      itemsPerRequest: 10,
      bodyBytes: pool.meanBytes,
    },
    summary,
    runs,
  };
}
