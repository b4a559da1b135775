// `pnpm bench` runs end to end: every section, at minimal sizes (--quick), in a child process
// against the built packages, producing well-formed figures. No timing is asserted.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { redisAvailable } from './helpers/redis.js';

const run = fileURLToPath(new URL('./bench/run.mjs', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'pw-bench-smoke-'));
const withRedis = await redisAvailable();

const positive = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;
const nonNegative = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;

interface Results {
  quick: boolean;
  node: string;
  sections: Record<string, { loadBefore: number[]; seconds: number; figures: Record<string, unknown> }>;
}

describe('pnpm bench (--quick)', () => {
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs every section and writes well-formed figures', { timeout: 120_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [run, '--quick', `--out=${out}`], { maxBuffer: 16 << 20 });
    expect(stdout).toContain('== core');
    const results = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as Results;
    expect(results.quick).toBe(true);
    expect(results.node).toBe(process.version);
    expect(Object.keys(results.sections)).toEqual(['core', 'auth', 'redis', 'postgres', 'memory', 'flat', 'reconcile', 'ingest', 'users']);
    const auth = results.sections.auth!.figures as { rows: Record<string, unknown>[] };
    for (const row of auth.rows)
      for (const key of ['wrongSignatureUs', 'noCredentialUs', 'noCredentialRatio']) expect(positive(row[key]), `auth ${key}`).toBe(true);
    const reconcile = results.sections.reconcile!.figures as Record<string, unknown>;
    expect(reconcile.snapshots).toBe(reconcile.channels);
    expect(reconcile.membersStored).toBe(reconcile.members);
    for (const key of ['requests', 'minimumRequests', 'wallToFloor']) expect(positive(reconcile[key]), `reconcile ${key}`).toBe(true);
    for (const section of Object.values(results.sections)) {
      expect(section.loadBefore).toHaveLength(3);
      expect(nonNegative(section.seconds)).toBe(true);
    }

    const users = results.sections.users!.figures as Record<'cpu' | 'cpuSpread' | 'memory', Record<string, unknown>>;
    for (const cpu of [users.cpu, users.cpuSpread])
      for (const key of ['usPerDeliveryOff', 'usPerDeliveryOn', 'onToOff', 'userEventsPerDelivery'])
        expect(positive(cpu[key]), `users ${key}`).toBe(true);
    // Heap deltas at smoke sizes are GC noise: well-formed means finite numbers; the counts are exact.
    for (const key of ['bytesPerMember', 'bytesPerOnlineUser', 'bytesPerOfflineUser'])
      expect(Number.isFinite(users.memory[key]), key).toBe(true);
    expect(users.memory.offlineUsersHeld).toBe(users.memory.users);
    expect(users.memory.usersHeldAfterLastSeen).toBe(0);

    const core = results.sections.core!.figures as { rows: Record<string, unknown>[] };
    expect(core.rows.map((r) => r.format)).toEqual(['json', 'msgpack']);
    for (const row of core.rows)
      for (const key of ['eventsPerSec', 'floorEventsPerSec', 'ratioToParse', 'usPerRequest']) expect(positive(row[key]), key).toBe(true);

    const redis = results.sections.redis!.figures;
    if (withRedis) {
      for (const key of [
        'eventsPerSec',
        'concurrentEventsPerSec',
        'msPerDelivery',
        'roundTripsPerDelivery',
        'clientCommandsPerDelivery',
        'serverCommandsPerDelivery',
      ])
        expect(positive(redis[key]), key).toBe(true);
      expect(redis.eventsPerDelivery).toBe(100);
      const realShaped = redis.realShaped as Record<string, unknown>;
      for (const key of [
        'eventsPerSec',
        'floorEventsPerSec',
        'ratioToFloor',
        'redisCpuUsPerEvent',
        'floorRedisCpuUsPerEvent',
        'usPerEvalsha',
      ])
        expect(positive(realShaped[key]), `realShaped ${key}`).toBe(true);
      expect(realShaped.itemsPerDelivery).toBe(25);
      const userMemory = redis.userMemory as Record<string, unknown>;
      for (const key of ['bytesPerOnlineUser', 'bytesPerOfflineUser']) expect(positive(userMemory[key]), `userMemory ${key}`).toBe(true);
    } else {
      expect(redis.skipped).toMatch(/no Redis/);
    }

    const postgres = results.sections.postgres!.figures;
    if (postgres.skipped === undefined)
      for (const key of ['eventsPerSec', 'bareUpsertPerSec', 'ratioToBare', 'eventsPerSecNoUsers', 'bytesPerMember'])
        expect(positive(postgres[key]), `postgres ${key}`).toBe(true);

    const memory = results.sections.memory!.figures;
    // Heap deltas at smoke sizes are within GC noise (they can be 0 or below): well-formed means finite numbers.
    for (const key of ['bytesPerMember', 'heapFullMB', 'liveSetMB', 'afterHorizonToLiveSet'])
      expect(Number.isFinite(memory[key]), key).toBe(true);
    expect(memory.statesHeldAfter).toBe(memory.liveMembers);

    const flat = results.sections.flat!.figures as { rows: Record<string, unknown>[]; largestToSmallest: unknown };
    expect(flat.rows.map((r) => r.held)).toEqual([0, 2000, 10_000]);
    for (const row of flat.rows) expect(positive(row.usPerEvent), 'flat usPerEvent').toBe(true);
    expect(positive(flat.largestToSmallest)).toBe(true);

    const ingest = results.sections.ingest!.figures as { summary: Record<string, unknown>[]; runs: Record<string, unknown>[] };
    expect(ingest.summary.map((r) => r.framework)).toEqual(['express', 'koa', 'fastify', 'hono']);
    for (const row of ingest.summary) {
      for (const key of [
        'bareReqPerSec',
        'floorReqPerSec',
        'presenceReqPerSec',
        'throughputRatio',
        'floorRatio',
        'p99Ratio',
        'bareP99',
        'presenceP99',
        'naiveServerCpuUs',
        'octokitServerCpuUs',
        'cpuToFloor',
        'cpuToNaive',
        'cpuToOctokit',
        'handleP50Us',
        'handleP99ToP50',
      ])
        expect(positive(row[key]), `${String(row.framework)} ${key}`).toBe(true);
    }
    // The octokit peer ran its handler (it counts presence messages as joins).
    for (const r of ingest.runs.filter((x) => x.variant === 'octokit'))
      expect((r.server as Record<string, number>).join).toBeGreaterThan(0);
    // The presence servers merged what they received: joins, updates and leaves were emitted.
    for (const r of ingest.runs.filter((x) => x.variant === 'presence')) {
      const server = r.server as Record<string, number>;
      expect(server.join).toBeGreaterThan(0);
      expect(server.errors).toBe(0);
    }
  });
});
