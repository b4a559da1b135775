// `pnpm bench`: every benchmark section, a table per section, and the figures as JSON in
// test/bench/results/<timestamp>.json and latest.json (git-ignored; BENCHMARKS.md holds the figures).
//
//   node test/bench/run.mjs [--quick] [--only=core,auth,redis,postgres,memory,flat,reconcile,ingest,users] [--out=<dir>]
//   ingest only: [--frameworks=express,koa,fastify,hono] [--variants=bare,floor,naive,octokit,presence[,handle,candidate]]
//                [--rounds=N] [--seconds=S] [--warmup=S] [--candidate=<checkout, built>] [--paired]
//
// --candidate runs a `candidate` variant next to presence in every round: presence with core and
// the adapter of another checkout (e.g. a clone of main, built), for an A/B of one change in one run.
// --paired runs presence and candidate at the same time, each with its own server and load, so that
// other work on a shared machine weighs on both alike. `handle` is the floor's route calling receiver.handle() itself (core without an adapter).
//
// --quick runs every section with minimal sizes (the smoke test uses it; its figures mean nothing).
// Sections: core (pipeline vs JSON.parse / MsgPack decode), redis (RedisStore), postgres (PostgresStore vs a bare upsert), memory
// (MemoryStore, in a child process with --expose-gc), flat (handle + merge per event with 0 / 1M /
// 5M states held, in a child process with a large heap), ingest (Express, Koa, Fastify, Hono: bare route,
// bare route + verify + JSON.parse, a naive Map handler, @octokit/webhooks, presenceWebhooks; servers in child processes, autocannon here),
// users (CPU per delivery with user levels on ÷ off, bytes per online / offline user in MemoryStore; in a child with --expose-gc). Timings are never asserted: the
// targets are reported as met or not.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { benchCorePipeline } from './core-pipeline.mjs';
import { benchAuthCost } from './auth-cost.mjs';
import { benchIngest, VARIANTS } from './ingest.mjs';
import { benchReconcile } from './reconcile.mjs';
import { benchRedis } from './redis.mjs';
import { benchRedisRealShaped, benchUserMemory } from './redis-real.mjs';
import { benchPostgres } from './postgres.mjs';
import { round } from './stats.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const value = (name) => flag(name)?.split('=')[1];
const quick = flag('quick') !== undefined;
const only = value('only')?.split(',') ?? ['core', 'auth', 'redis', 'postgres', 'memory', 'flat', 'reconcile', 'ingest', 'users'];
const outDir = value('out') ?? join(here, 'results');

const TARGETS = {
  // Server CPU per request, presence ÷ the verify+parse floor (moonshot 1.1); in-server handle() p99 ÷ median.
  ingest: { cpuToFloorMax: 1.25, cpuToFloorMoonshot: 1.1, handleP99ToP50Max: 2 },
  // Per-event handle + merge cost with the most state held ÷ with none.
  flat: { largestToSmallestMax: 1.2 },
  core: { ratioToParseMax: 2.5, eventsPerSecMin: 500_000 },
  // Real-shaped deliveries (25 channels of one event each, 64 in flight): events/s and ÷ the bare HSET/HDEL pipeline (moonshot 150k / 0.8).
  redis: { eventsPerSecMin: 100_000, ratioToFloorMin: 0.5, roundTripsPerDelivery: 1 },
  // PostgresStore events/s on one-event deliveries ÷ a bare INSERT … ON CONFLICT of the same rows, same batching.
  postgres: { ratioToBareMin: 0.5 },
  memory: { bytesPerMemberMax: 250, afterHorizonToLiveSetMax: 1.05 },
  // CPU per request of a credential-less (or wrong-secret) 4 MiB body ÷ a wrong-signature one.
  auth: { ratioMax: 2 },
  // Requests used ÷ the minimum (batch requests + listing pages); wall time ÷ the rate's floor.
  reconcile: { requestsToMinimumMax: 1, wallToFloorMax: 1.25 },
  // CPU per delivery with user levels on ÷ off (same run, same deliveries).
  users: { onToOffMax: 1.1 },
};

const SIZES = quick
  ? {
      core: { rounds: 2, count: 50 },
      redis: { deliveries: 5, rounds: 2, concurrency: 2 },
      redisReal: { deliveries: 40, rounds: 1, inFlight: 8 },
      redisUsers: { users: 200 },
      postgres: { deliveries: 30, channels: 10, rounds: 1, concurrency: 1, members: 500 },
      memory: { members: 2000, channels: 20, deadChannels: 2000 },
      flat: { sizes: [0, 2000, 10_000], rounds: 2, count: 20 },
      reconcile: { channels: 500, members: 2000, rate: 200, limit: 250, concurrency: 4 },
      ingest: { seconds: 0.3, warmupSeconds: 0, rounds: 1, connections: 2, poolSize: 500 },
      users: { rounds: 2, count: 50, users: 2000, channels: 20 },
    }
  : {
      core: { rounds: 9, count: 2000 },
      redis: { deliveries: 1000, rounds: 4, concurrency: 4 },
      redisReal: { deliveries: 4000, rounds: 3, inFlight: 64 },
      redisUsers: { users: 10_000 },
      // concurrency 1: one receiver's delivery queue applies one delivery after another.
      postgres: { deliveries: 1500, channels: 500, rounds: 3, concurrency: 1, members: 100_000 },
      memory: { members: 1_000_000, channels: 10_000, deadChannels: 200_000 },
      flat: { sizes: [0, 1_000_000, 5_000_000], rounds: 5, count: 1000 },
      // The fake's rate limit and the budget's rate are far above Ably's real ones, so 100k channels run in well under two minutes.
      reconcile: { channels: 100_000, members: 1_000_000, rate: 45, limit: 50, concurrency: 4 },
      // 4 s of warm-up: after 1 s, on a busy 2-core machine, TurboFan still compiled on helper threads
      // through the measured run (perf: ~18 µs/request in the floor's server, ~53 in presence's), a
      // one-off cost a running server does not pay per delivery. `--warmup=1` gives the old figures.
      ingest: { seconds: 5, warmupSeconds: 4, rounds: 3, connections: 10, poolSize: 100_000 },
      users: { rounds: 31, count: 2000, users: 100_000, channels: 1000 },
    };

const log = (line) => process.stdout.write(`${line}\n`);
const load = () => loadavg().map((x) => round(x, 2));

async function memoryInChild(options) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', join(here, 'memory.mjs'), JSON.stringify(options)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** The flat-cost section in a child with a heap large enough for 5M states (about 2 GB at that size). */
async function flatInChild(options) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=6144', join(here, 'flat.mjs'), JSON.stringify(options)],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** The people section in a child with --expose-gc (the heap figures need full GCs). */
async function usersInChild(options) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', join(here, 'users.mjs'), JSON.stringify(options)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** Why PostgreSQL cannot be used, or undefined when it answers. */
async function postgresUnreachable() {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString: process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    connectionTimeoutMillis: 2000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return error.message;
  } finally {
    await client.end().catch(() => undefined);
  }
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
    log(
      `core target: <= ${t.ratioToParseMax}x the decode floor: ${verdict}; >= ${t.eventsPerSecMin} events/s: json ${json?.eventsPerSec} (${check((json?.eventsPerSec ?? 0) >= t.eventsPerSecMin)})`,
    );
    return { rows };
  },
  async redis() {
    const reason = await redisUnreachable();
    if (reason !== undefined) {
      log(
        `!!! redis section SKIPPED: ${reason}. Start Redis: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no (or set REDIS_URL) !!!`,
      );
      return { skipped: reason };
    }
    const realShaped = await benchRedisRealShaped(SIZES.redisReal);
    console.table([realShaped]);
    const t = TARGETS.redis;
    log(
      `redis target (real-shaped, ${realShaped.inFlight} deliveries in flight), one receiver: >= ${t.eventsPerSecMin} events/s: ${realShaped.receiverEventsPerSec} (${check(realShaped.receiverEventsPerSec >= t.eventsPerSecMin)}); ` +
        `>= ${t.ratioToFloorMin} of the bare HSET/HDEL pipeline (${realShaped.floorEventsPerSec} events/s): ${realShaped.receiverRatioToFloor} (${check(realShaped.receiverRatioToFloor >= t.ratioToFloorMin)}); ` +
        `feed on ÷ off ${realShaped.receiverFeedOnToOff}; the store alone: ${realShaped.eventsPerSec} events/s, ${realShaped.ratioToFloor} of the pipeline, feed on ÷ off ${realShaped.feedOnToOff}; ` +
        `Redis CPU per event ${realShaped.redisCpuUsPerEvent} µs (floor ${realShaped.floorRedisCpuUsPerEvent} µs), ${realShaped.usPerEvalsha} µs per EVALSHA`,
    );
    log(
      `redis through one receiver, user levels on / off: ${realShaped.receiverEventsPerSec} / ${realShaped.receiverUsersOffEventsPerSec} events/s; ` +
        `EVALSHA ${realShaped.receiverUsPerEvalsha} / ${realShaped.receiverUsersOffUsPerEvalsha} µs per call, ${realShaped.receiverEvalshaUsPerEvent} / ${realShaped.receiverUsersOffEvalshaUsPerEvent} µs per event; ` +
        `Redis CPU ${realShaped.receiverRedisCpuUsPerEvent} / ${realShaped.receiverUsersOffRedisCpuUsPerEvent} µs per event; ` +
        `${realShaped.receiverEvalshaPerDelivery} EVALSHA per delivery (the deliveries that wait for a call share the next)`,
    );
    const userMemory = await benchUserMemory(SIZES.redisUsers);
    log(
      `redis user levels, Redis memory (MEMORY USAGE) per user beyond the members' own: online ${userMemory.bytesPerOnlineUser} B, offline ${userMemory.bytesPerOfflineUser} B (kept lastSeenMs) — ${userMemory.users} users`,
    );
    log('second row: the earlier shape (10 channels of 10 events per delivery, one delivery at a time)');
    const result = await benchRedis(SIZES.redis);
    const { serverCommands, ...row } = result;
    console.table([row]);
    log(`redis commands per delivery, as Redis counts them (scripts' own calls included): ${JSON.stringify(serverCommands)}`);
    log(
      `redis target: >= ${t.eventsPerSecMin} events/s: one receiver ${result.eventsPerSec} (${check(result.eventsPerSec >= t.eventsPerSecMin)}), ` +
        `${result.concurrentAppliers} receivers at once ${result.concurrentEventsPerSec} (${check(result.concurrentEventsPerSec >= t.eventsPerSecMin)}); ` +
        `${t.roundTripsPerDelivery} round trip per delivery: ${result.roundTripsPerDelivery} (${check(result.roundTripsPerDelivery === t.roundTripsPerDelivery)})`,
    );
    return { ...result, realShaped, userMemory };
  },
  async postgres() {
    const reason = await postgresUnreachable();
    if (reason !== undefined) {
      log(
        `!!! postgres section SKIPPED: ${reason}. Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start (or set POSTGRES_URL) !!!`,
      );
      return { skipped: reason };
    }
    const result = await benchPostgres(SIZES.postgres);
    console.table([result]);
    const t = TARGETS.postgres;
    log(
      `postgres target: events/s ÷ bare upsert (one statement per one-event delivery, ${result.concurrency} in flight) >= ${t.ratioToBareMin}: ` +
        `${result.eventsPerSec} / ${result.bareUpsertPerSec} = ${result.ratioToBare} (${check(result.ratioToBare >= t.ratioToBareMin)}); ` +
        `without user levels ${result.eventsPerSecNoUsers} / ${result.bareUpsertPerSec} = ${result.ratioToBareNoUsers} (${check(result.ratioToBareNoUsers >= t.ratioToBareMin)}); ` +
        `on disk ${result.bytesPerMember} B/member (members + channels), sessions ${result.sessionBytesPerMember} B/member, feed ${result.feedBytesPerChange} B/change`,
    );
    return result;
  },
  async memory() {
    const result = await memoryInChild(SIZES.memory);
    console.table([result]);
    const t = TARGETS.memory;
    log(
      `memory target: <= ${t.bytesPerMemberMax} B/member: ${result.bytesPerMember} (${check(result.bytesPerMember <= t.bytesPerMemberMax)}); heap after the horizon / live set: ${result.afterHorizonToLiveSet} (${check(result.afterHorizonToLiveSet <= t.afterHorizonToLiveSetMax)})`,
    );
    log(
      `dead channels (PubNub, reported occupancy): ${result.deadChannels} held ${result.deadHeldMB} MB; after the horizon ${result.deadAfterHorizonMB} MB vs an empty store ${result.emptyStoreMB} MB (${result.deadBytesPerChannelAfter} B/channel left)`,
    );
    return result;
  },
  async auth() {
    const result = await benchAuthCost({ quick });
    console.table(result.rows);
    log(
      `auth target: forged (no credential / wrong PubNub secret) ÷ wrong signature CPU per request <= ${TARGETS.auth.ratioMax}: ${result.rows.map((r) => `${r.body} ${r.noCredentialRatio} / ${r.wrongPubNubSecretRatio}`).join('; ')} (${check(result.met)})`,
    );
    return result;
  },
  async reconcile() {
    const result = await benchReconcile(SIZES.reconcile);
    console.table([result]);
    const t = TARGETS.reconcile;
    const whole = result.snapshots === result.channels && result.membersStored === result.members && result.complete;
    log(
      `reconcile target: ${result.channels} channels / ${result.members} members, ${whole ? 'every member in the store' : 'INCOMPLETE'}; requests ÷ minimum <= ${t.requestsToMinimumMax}: ${result.requestsToMinimum} (${check(result.requestsToMinimum <= t.requestsToMinimumMax)}); ` +
        `time to a complete set ÷ the rate's floor <= ${t.wallToFloorMax}: ${result.wallToFloor} (${check(result.wallToFloor <= t.wallToFloorMax)}); peak +${result.peakRssMB} MB RSS`,
    );
    return result;
  },
  async flat() {
    const result = await flatInChild(SIZES.flat);
    console.table(result.rows.map(({ rounds, ...row }) => row));
    const t = TARGETS.flat;
    log(
      `flat target: per-event handle + merge with ${result.rows.at(-1).held} states held ÷ with ${result.rows[0].held} <= ${t.largestToSmallestMax}: ${result.largestToSmallest} (${check(result.largestToSmallest <= t.largestToSmallestMax)})`,
    );
    return result;
  },
  async users() {
    const result = await usersInChild(SIZES.users);
    console.table([result.cpu, result.cpuSpread]);
    console.table([result.memory]);
    const t = TARGETS.users;
    log(
      `users target: CPU per delivery, users on ÷ off <= ${t.onToOffMax}: ${result.cpu.onToOff} (${check(result.cpu.onToOff <= t.onToOffMax)}; rounds' quartiles ${result.cpu.onToOffQ1}–${result.cpu.onToOffQ3}; ${result.cpu.userEventsPerDelivery} user-level events per 10-event delivery), ` +
        `users in several channels ${result.cpuSpread.onToOff} (${check(result.cpuSpread.onToOff <= t.onToOffMax)}; ${result.cpuSpread.userEventsPerDelivery} per delivery); ` +
        `MemoryStore: ${result.memory.bytesPerOnlineUser} B per online user (user levels, beside ${result.memory.bytesPerMember} B per member), ${result.memory.bytesPerOfflineUser} B per offline user, ${result.memory.usersHeldAfterLastSeen} held after lastSeenMs`,
    );
    return result;
  },
  async ingest() {
    const number = (name) => (value(name) === undefined ? {} : { [name === 'warmup' ? 'warmupSeconds' : name]: Number(value(name)) });
    const list = (name) => (value(name) === undefined ? {} : { [name]: value(name).split(',') });
    const candidateRoot = value('candidate');
    const variants = list('variants').variants ?? (candidateRoot === undefined ? undefined : [...VARIANTS, 'candidate']);
    const result = await benchIngest({
      ...SIZES.ingest,
      ...number('rounds'),
      ...number('seconds'),
      ...number('warmup'),
      ...list('frameworks'),
      ...(variants === undefined ? {} : { variants }),
      ...(candidateRoot === undefined ? {} : { candidateRoot }),
      paired: flag('paired') !== undefined,
      log,
    });
    console.table(
      result.summary.map((x) => ({
        framework: x.framework,
        'bare req/s': x.bareReqPerSec,
        'floor req/s': x.floorReqPerSec,
        'presence req/s': x.presenceReqPerSec,
        'bare p99 ms': x.bareP99,
        'presence p99 ms': x.presenceP99,
      })),
    );
    const t = TARGETS.ingest;
    log("server CPU per request, presence ÷ peer (medians over rounds of each round's ratio):");
    console.table(
      result.summary.map((row) => ({
        framework: row.framework,
        'floor µs': row.floorServerCpuUs,
        'naive µs': row.naiveServerCpuUs,
        'octokit µs': row.octokitServerCpuUs,
        'presence µs': row.presenceServerCpuUs,
        'presence ÷ floor': row.cpuToFloor,
        'presence ÷ naive': row.cpuToNaive,
        'presence ÷ octokit': row.cpuToOctokit,
        ...(row.handleServerCpuUs === undefined
          ? {}
          : {
              'handle() alone µs': row.handleServerCpuUs,
              'handle() alone ÷ floor': row.handleCpuToFloor,
              'presence ÷ handle() alone': row.cpuToHandle,
            }),
        'handle p50 µs': row.handleP50Us,
        'handle p99 µs': row.handleP99Us,
        'handle p99 ÷ p50': row.handleP99ToP50,
        'from the body read: p99 ÷ p50': row.afterBodyP99ToP50,
        'GC µs/req floor / presence': `${row.floorGcUs} / ${row.presenceGcUs}`,
        'mark-compacts, longest ms': `${row.presenceMajorGcs}, ${row.presenceMajorGcMaxMs}`,
      })),
    );
    if (result.summary.some((row) => row.candidateServerCpuUs !== undefined)) {
      log(`candidate (${candidateRoot ?? process.env.BENCH_CORE}) against presence (this checkout), in the same rounds:`);
      if (flag('paired') !== undefined)
        log(
          '(--paired: presence and candidate ran at the same time, sharing the cores, so their ratios to the floor and octokit, which ran alone, are inflated: only candidate ÷ presence compares like with like)',
        );
      console.table(
        result.summary.map((row) => ({
          framework: row.framework,
          'floor µs': row.floorServerCpuUs,
          'presence µs': row.presenceServerCpuUs,
          'candidate µs': row.candidateServerCpuUs,
          'presence ÷ floor': row.cpuToFloor,
          'candidate ÷ floor': row.candidateCpuToFloor,
          'presence ÷ octokit': row.cpuToOctokit,
          'candidate ÷ octokit': row.candidateCpuToOctokit,
          'candidate ÷ presence': row.candidateCpuToPresence,
          'handle p99 ÷ p50 presence / candidate': `${row.handleP99ToP50} / ${row.candidateHandleP99ToP50}`,
        })),
      );
    }
    for (const row of result.summary) {
      const moon = row.cpuToFloor <= t.cpuToFloorMoonshot ? ', moonshot met' : '';
      log(
        `ingest target ${row.framework}: presence ÷ floor CPU/req <= ${t.cpuToFloorMax}: ${row.cpuToFloor} (${check(row.cpuToFloor <= t.cpuToFloorMax)}${moon}); ` +
          `÷ naive ${row.cpuToNaive}, ÷ octokit ${row.cpuToOctokit}; in-server handle p99 <= ${t.handleP99ToP50Max}x median: ${row.handleP99ToP50} (${check(row.handleP99ToP50 <= t.handleP99ToP50Max)}; from the body read, without the wait for its bytes: ${row.afterBodyP99ToP50}); ` +
          `(throughput: ${row.throughputRatio} of bare, verify + JSON.parse alone ${row.floorRatio})`,
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
log(
  `presence-webhooks benchmarks${quick ? ' (--quick: smoke sizes, figures mean nothing)' : ''}: node ${process.version}, ${results.cpu}, load ${load().join(' ')}`,
);
for (const name of only) {
  if (sections[name] === undefined) throw new Error(`unknown section ${name} (${Object.keys(sections).join(', ')})`);
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
