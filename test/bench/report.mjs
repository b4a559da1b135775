// Markdown tables of a `pnpm bench` result, for BENCHMARKS.md:
//   node test/bench/report.mjs [results.json] [earlier-results.json]
// The second file (a run of an earlier commit) adds a before/after table of the headline figures.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [file = fileURLToPath(new URL('./results/latest.json', import.meta.url)), beforeFile] = process.argv.slice(2);
const r = JSON.parse(readFileSync(file, 'utf8'));
const before = beforeFile === undefined ? undefined : JSON.parse(readFileSync(beforeFile, 'utf8'));
const out = [];
const line = (s = '') => out.push(s);

function table(headers, rows) {
  line(`| ${headers.join(' | ')} |`);
  line(`|${headers.map(() => '---').join('|')}|`);
  for (const row of rows) line(`| ${row.map((x) => (x === undefined ? '' : String(x))).join(' | ')} |`);
  line();
}
const load = (s) => s.loadBefore.join(' / ');
const fmt = (x) => (typeof x === 'number' ? x.toLocaleString('en-US') : x);

line(`Run of ${r.date}: node ${r.node}, ${r.cpu}, ${r.memoryGB} GB, ${r.platform}; ${r.seconds} s in all.`);
line();

const core = r.sections.core;
if (core) {
  line(`**Core pipeline** (load average before: ${load(core)})`);
  line();
  table(
    ['format', 'body bytes', 'pipeline µs/request', 'floor µs/request', 'pipeline events/s', 'floor events/s', 'ratio to floor'],
    core.figures.rows.map((x) => [
      x.format,
      x.bodyBytes,
      x.usPerRequest,
      x.floorUsPerRequest,
      fmt(x.eventsPerSec),
      fmt(x.floorEventsPerSec),
      `${x.ratioToParse}x`,
    ]),
  );
}

const redis = r.sections.redis;
if (redis && !redis.figures.skipped) {
  const x = redis.figures;
  line(`**RedisStore** (Redis ${x.redisVersion}; load average before: ${load(redis)})`);
  line();
  table(
    [
      'events/delivery',
      'channels',
      'ms/delivery',
      'events/s, one receiver',
      'events/s, receivers at once',
      'round trips/delivery',
      'commands sent/delivery',
      'Redis commands run/delivery (incl. inside scripts)',
      'Redis script ms/delivery',
      'client CPU ms/delivery',
    ],
    [
      [
        x.eventsPerDelivery,
        x.channels,
        x.msPerDelivery,
        fmt(x.eventsPerSec),
        `${fmt(x.concurrentEventsPerSec)} (${x.concurrentAppliers})`,
        x.roundTripsPerDelivery,
        x.clientCommandsPerDelivery,
        x.serverCommandsPerDelivery,
        x.redisScriptMsPerDelivery,
        x.clientCpuMsPerDelivery,
      ],
    ],
  );
  line(
    `Commands Redis ran per delivery: ${Object.entries(x.serverCommands)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
  );
  line();
}

const memory = r.sections.memory;
if (memory) {
  const x = memory.figures;
  line(`**MemoryStore memory** (load average before: ${load(memory)})`);
  line();
  table(
    [
      'members',
      'channels',
      'bytes/member',
      'heap, all present',
      'heap after half left (tombstones held)',
      'heap after the horizon',
      'live set alone',
      'after horizon / live set',
    ],
    [
      [
        fmt(x.members),
        fmt(x.channels),
        x.bytesPerMember,
        `${x.heapFullMB} MB`,
        `${x.heapWithTombstonesMB} MB`,
        `${x.heapAfterHorizonMB} MB`,
        `${x.liveSetMB} MB`,
        x.afterHorizonToLiveSet,
      ],
    ],
  );
}

const flat = r.sections.flat;
if (flat) {
  const x = flat.figures;
  line(
    `**Flat cost as work grows** (handle + merge per event, process CPU time, ${fmt(x.eventsPerRound)} events per round and size, rounds alternate the sizes; load average before: ${load(flat)})`,
  );
  line();
  table(
    ['states held (half tombstones)', 'preload s', 'µs/event (median)', 'rounds µs/event', 'ratio to the empty store'],
    x.rows.map((row) => [fmt(row.held), row.preloadS, row.usPerEvent, row.rounds.join(' / '), row.ratioToSmallest]),
  );
  line(
    `Largest ÷ smallest (median of each round's ratio, target ≤ ${r.targets.flat?.largestToSmallestMax ?? 1.2}): **${x.largestToSmallest}**; heap with every store loaded: ${fmt(x.heapMB)} MB.`,
  );
  line();
}

const ingest = r.sections.ingest;
if (ingest?.figures.summary[0]?.cpuToFloor !== undefined) {
  const o = ingest.figures.options;
  line(
    `**Ingest: server CPU per request against the floor and the peers** (${o.rounds} rounds of ${o.seconds} s after ${o.warmupSeconds} s of warm-up, ${o.connections} connections, ${o.bodyBytes}-byte bodies; ratios are medians of each round's ratio; load average before: ${load(ingest)})`,
  );
  line();
  table(
    [
      'framework',
      'floor µs/req',
      'naive µs/req',
      'octokit µs/req',
      'presence µs/req',
      'presence ÷ floor (target ≤ 1.25, moonshot 1.1)',
      'presence ÷ naive',
      'presence ÷ octokit',
      'naive ÷ floor',
      'octokit ÷ floor',
    ],
    ingest.figures.summary.map((x) => [
      x.framework,
      x.floorServerCpuUs,
      x.naiveServerCpuUs,
      x.octokitServerCpuUs,
      x.presenceServerCpuUs,
      x.cpuToFloor,
      x.cpuToNaive,
      x.cpuToOctokit,
      x.naiveCpuToFloor,
      x.octokitCpuToFloor,
    ]),
  );
  line('In-server `receiver.handle()` wall time of every call under that load, and the GC pauses of the servers (perf_hooks):');
  line();
  table(
    [
      'framework',
      'handle p50 / p99 µs',
      'p99 ÷ p50 (target ≤ 2)',
      'GC pause µs/req, floor / presence',
      'presence mark-compacts per run, longest ms',
    ],
    ingest.figures.summary.map((x) => [
      x.framework,
      `${x.handleP50Us} / ${x.handleP99Us}`,
      x.handleP99ToP50,
      `${x.floorGcUs} / ${x.presenceGcUs}`,
      `${x.presenceMajorGcs}, ${x.presenceMajorGcMaxMs}`,
    ]),
  );
}
if (ingest) {
  const o = ingest.figures.options;
  line(
    `**Ingest** (${o.rounds} rounds of ${o.seconds} s after ${o.warmupSeconds} s of warm-up, ${o.connections} connections, ${o.bodyBytes}-byte bodies of ${o.itemsPerRequest} items; load average before: ${load(ingest)})`,
  );
  line();
  table(
    [
      'framework',
      'bare req/s',
      'verify+parse req/s',
      'presence req/s',
      'presence events/s',
      'ratio (target ≥ 0.9)',
      'verify+parse ratio',
      'p50 bare / presence ms',
      'p99 bare / presence ms',
      'p99 ratio (target ≤ 1.2)',
      'server CPU µs/req bare / verify+parse / presence',
    ],
    ingest.figures.summary.map((x) => [
      x.framework,
      fmt(x.bareReqPerSec),
      fmt(x.floorReqPerSec),
      fmt(x.presenceReqPerSec),
      fmt(x.presenceEventsPerSec),
      x.throughputRatio,
      x.floorRatio,
      `${x.bareP50} / ${x.presenceP50}`,
      `${x.bareP99} / ${x.presenceP99}`,
      x.p99Ratio,
      `${x.bareServerCpuUs} / ${x.floorServerCpuUs} / ${x.presenceServerCpuUs}`,
    ]),
  );
  line('Every run (req/s; server CPU µs per request, of which system; share of a core used by the server and by autocannon):');
  line();
  table(
    ['framework', 'variant', 'round', 'req/s', 'p99 ms', 'server CPU µs/req', 'system µs/req', 'server cores', 'autocannon cores'],
    ingest.figures.runs.map((x) => [
      x.framework,
      x.variant,
      x.round,
      fmt(Math.round(x.reqPerSec)),
      x.p99,
      x.serverCpuUsPerRequest,
      x.serverSysUsPerRequest,
      x.server.cpuShare,
      x.loadCpuShare,
    ]),
  );
}

if (before !== undefined) {
  const pick = (res) => {
    const c = res.sections.core?.figures.rows ?? [];
    const s = res.sections.ingest?.figures.summary ?? [];
    return {
      'core json events/s': c.find((x) => x.format === 'json')?.eventsPerSec,
      'core json ratio to JSON.parse': c.find((x) => x.format === 'json')?.ratioToParse,
      'core msgpack ratio to decode': c.find((x) => x.format === 'msgpack')?.ratioToParse,
      'redis events/s, one receiver': res.sections.redis?.figures.eventsPerSec,
      'redis events/s, 4 receivers at once': res.sections.redis?.figures.concurrentEventsPerSec,
      'redis commands sent/delivery': res.sections.redis?.figures.clientCommandsPerDelivery,
      'redis commands run/delivery': res.sections.redis?.figures.serverCommandsPerDelivery,
      'memory bytes/member': res.sections.memory?.figures.bytesPerMember,
      'memory after horizon / live set': res.sections.memory?.figures.afterHorizonToLiveSet,
      ...Object.fromEntries(
        s.map((x) => [`ingest ${x.framework} ratio (server CPU µs/req)`, `${x.throughputRatio} (${x.presenceServerCpuUs})`]),
      ),
      ...Object.fromEntries(
        s.filter((x) => x.cpuToFloor !== undefined).map((x) => [`ingest ${x.framework} presence ÷ floor, server CPU`, x.cpuToFloor]),
      ),
      'flat: largest ÷ smallest': res.sections.flat?.figures.largestToSmallest,
    };
  };
  const [a, b] = [pick(before), pick(r)];
  line(`**Before / after** (before: ${before.date}; after: ${r.date})`);
  line();
  table(
    ['figure', 'before', 'after'],
    Object.keys(b).map((k) => [k, fmt(a[k]), fmt(b[k])]),
  );
}

process.stdout.write(`${out.join('\n')}\n`);
