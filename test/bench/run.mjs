// `pnpm bench`: every benchmark section, a table per section, and the figures as JSON in
// test/bench/results/<timestamp>.json and latest.json (git-ignored; BENCHMARKS.md holds the figures).
//
//   node test/bench/run.mjs [--quick] [--only=core,redis,memory,ingest] [--out=<dir>]
//
// --quick runs every section with minimal sizes (the smoke test uses it; its figures mean nothing).
// Sections: core (pipeline vs JSON.parse / MsgPack decode), redis (RedisStore), memory
// (MemoryStore, in a child process with --expose-gc), ingest (Express, Koa, Fastify, Hono: bare route,
// bare route + verify + JSON.parse, presenceWebhooks; servers in child processes, autocannon here). Timings are never asserted: the
// targets are reported as met or not.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { benchCorePipeline } from './core-pipeline.mjs';
import { benchIngest } from './ingest.mjs';
import { benchRedis } from './redis.mjs';
import { round } from './stats.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const value = (name) => flag(name)?.split('=')[1];
const quick = flag('quick') !== undefined;
const only = value('only')?.split(',') ?? ['core', 'redis', 'memory', 'ingest'];
const outDir = value('out') ?? join(here, 'results');

const TARGETS = {
  ingest: { throughputRatioMin: 0.9, p99RatioMax: 1.2 },
  core: { ratioToParseMax: 2.5, eventsPerSecMin: 500_000 },
  redis: { eventsPerSecMin: 100_000, roundTripsPerDelivery: 1 },
  memory: { bytesPerMemberMax: 250, afterHorizonToLiveSetMax: 1.05 },
};

const SIZES = quick
  ? {
      core: { rounds: 2, count: 50 },
      redis: { deliveries: 5, rounds: 2, concurrency: 2 },
      memory: { members: 2000, channels: 20, deadChannels: 2000 },
      ingest: { seconds: 0.3, warmupSeconds: 0, rounds: 1, connections: 2, poolSize: 500 },
    }
  : {
      core: { rounds: 9, count: 2000 },
      redis: { deliveries: 1000, rounds: 4, concurrency: 4 },
      memory: { members: 1_000_000, channels: 10_000, deadChannels: 200_000 },
      ingest: { seconds: 5, warmupSeconds: 1, rounds: 3, connections: 10, poolSize: 100_000 },
    };

const log = (line) => process.stdout.write(`${line}\n`);
const load = () => loadavg().map((x) => round(x, 2));

async function memoryInChild(options) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', join(here, 'memory.mjs'), JSON.stringify(options)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** Why Redis cannot be used, or undefined when it answers PING. */
async function redisUnreachable() {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return `no Redis at ${url} (${error.message})`;
  } finally {
    client.disconnect();
  }
}

const check = (ok) => (ok ? 'met' : 'NOT met');

const sections = {
  async core() {
    const rows = await benchCorePipeline(SIZES.core);
    console.table(rows);
    const t = TARGETS.core;
    const json = rows.find((r) => r.format === 'json');
    const verdict = rows.map((r) => `${r.format} ${r.ratioToParse}x parse (${check(r.ratioToParse <= t.ratioToParseMax)})`).join(', ');
    log(`core target: <= ${t.ratioToParseMax}x the decode floor: ${verdict}; >= ${t.eventsPerSecMin} events/s: json ${json?.eventsPerSec} (${check((json?.eventsPerSec ?? 0) >= t.eventsPerSecMin)})`);
    return { rows };
  },
  async redis() {
    const reason = await redisUnreachable();
    if (reason !== undefined) {
      log(`!!! redis section SKIPPED: ${reason}. Start Redis: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no (or set REDIS_URL) !!!`);
      return { skipped: reason };
    }
    const result = await benchRedis(SIZES.redis);
    const { serverCommands, ...row } = result;
    console.table([row]);
    log(`redis commands per delivery, as Redis counts them (scripts' own calls included): ${JSON.stringify(serverCommands)}`);
    const t = TARGETS.redis;
    log(
      `redis target: >= ${t.eventsPerSecMin} events/s: one receiver ${result.eventsPerSec} (${check(result.eventsPerSec >= t.eventsPerSecMin)}), ` +
        `${result.concurrentAppliers} receivers at once ${result.concurrentEventsPerSec} (${check(result.concurrentEventsPerSec >= t.eventsPerSecMin)}); ` +
        `${t.roundTripsPerDelivery} round trip per delivery: ${result.roundTripsPerDelivery} (${check(result.roundTripsPerDelivery === t.roundTripsPerDelivery)})`,
    );
    return result;
  },
  async memory() {
    const result = await memoryInChild(SIZES.memory);
    console.table([result]);
    const t = TARGETS.memory;
    log(`memory target: <= ${t.bytesPerMemberMax} B/member: ${result.bytesPerMember} (${check(result.bytesPerMember <= t.bytesPerMemberMax)}); heap after the horizon / live set: ${result.afterHorizonToLiveSet} (${check(result.afterHorizonToLiveSet <= t.afterHorizonToLiveSetMax)})`);
    log(`dead channels (PubNub, reported occupancy): ${result.deadChannels} held ${result.deadHeldMB} MB; after the horizon ${result.deadAfterHorizonMB} MB vs an empty store ${result.emptyStoreMB} MB (${result.deadBytesPerChannelAfter} B/channel left)`);
    return result;
  },
  async ingest() {
    const result = await benchIngest({ ...SIZES.ingest, log });
    console.table(result.summary);
    const t = TARGETS.ingest;
    for (const row of result.summary) {
      log(
        `ingest target ${row.framework}: >= ${t.throughputRatioMin} of bare: ${row.throughputRatio} (${check(row.throughputRatio >= t.throughputRatioMin)}); ` +
          `p99 <= ${t.p99RatioMax}x bare: ${row.p99Ratio} (${check(row.p99Ratio <= t.p99RatioMax)}); verify + JSON.parse alone reaches ${row.floorRatio} of bare`,
      );
    }
    return result;
  },
};

const started = new Date();
const results = {
  date: started.toISOString(),
  quick,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpu: `${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}`,
  memoryGB: round(totalmem() / 2 ** 30, 1),
  targets: TARGETS,
  sections: {},
};
log(`presence-webhooks benchmarks${quick ? ' (--quick: smoke sizes, figures mean nothing)' : ''}: node ${process.version}, ${results.cpu}, load ${load().join(' ')}`);
for (const name of only) {
  if (sections[name] === undefined) throw new Error(`unknown section ${name} (core, redis, memory, ingest)`);
  const loadBefore = load();
  const t0 = Date.now();
  log(`\n== ${name} (load average ${loadBefore.join(' ')})`);
  const figures = await sections[name]();
  results.sections[name] = { loadBefore, loadAfter: load(), seconds: round((Date.now() - t0) / 1000, 1), figures };
}
results.seconds = round((Date.now() - started.getTime()) / 1000, 1);
mkdirSync(outDir, { recursive: true });
const body = `${JSON.stringify(results, null, 2)}\n`;
const file = join(outDir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, body);
writeFileSync(join(outDir, 'latest.json'), body);
log(`\nwrote ${file} and latest.json (${results.seconds} s)`);
