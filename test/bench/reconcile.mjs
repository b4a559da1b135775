// Reconcile (REST side, Ably): channel enumeration + batch presence of a whole app through one
// request budget, against a fake Ably with a request-rate limit (test/bench/reconcile-fake-ably.mjs,
// in a child process). Prints the requests used against the minimum (ceil(channels / 100) batch
// requests + enumeration pages), the wall time against the rate's floor (requests / rate), and
// the peak RSS / heap of this process (the client) above its baseline.
//
//   pnpm -s build && node test/bench/reconcile.mjs [--quick] [--channels=100000] [--members=1000000]
//       [--rate=45] [--limit=50] [--concurrency=4]
//
// --rate is the budget's maxRequestsPerSecond, --limit the fake's (it answers 429 above it; kept a
// little above --rate so that arrival jitter does not trip it). Both are far above Ably's real
// limits for these APIs so that the full size runs in well under two minutes: the ratio to the
// floor is the figure, not the seconds. Timings are printed, never asserted.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ablyBatchPresence } from '../../packages/core/dist/providers/ably/rest/batch-presence.js';
import { ablyEnumerate } from '../../packages/core/dist/providers/ably/rest/enumerate.js';
import { RequestBudget } from '../../packages/core/dist/rest/budget.js';
import { round } from './stats.mjs';

const KEY = 'bench.key:reconcile-secret';

/** Runs the benchmark; resolves with its figures. */
export async function benchReconcile({ channels, members, rate, limit, concurrency }) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./reconcile-fake-ably.mjs', import.meta.url)), JSON.stringify({ channels, members, maxRequestsPerSecond: limit, key: KEY })], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = await once(child.stdout, 'data');
    const { port } = JSON.parse(String(line));
    const baseUrl = `http://127.0.0.1:${port}`;

    globalThis.gc?.();
    const baseline = process.memoryUsage();
    const peak = { rss: baseline.rss, heapUsed: baseline.heapUsed };
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak.rss = Math.max(peak.rss, m.rss);
      peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    }, 25);

    const budget = new RequestBudget({ concurrency, maxRequestsPerSecond: rate });
    const t0 = performance.now();
    const listing = await ablyEnumerate({ baseUrl, key: KEY }, budget);
    const tEnumerated = performance.now();
    let seenMembers = 0;
    let incomplete = 0;
    const result = await ablyBatchPresence({ baseUrl, key: KEY, cipherKey: () => undefined, now: Date.now }, listing.channels, budget, (snapshot) => {
      seenMembers += snapshot.events.length;
      if (!snapshot.complete) incomplete++;
    });
    const wallMs = performance.now() - t0;
    clearInterval(sampler);
    const server = await (await fetch(`${baseUrl}/__stats`)).json();

    const spent = budget.spent();
    const minimum = Math.ceil(channels / 100) + listing.pages;
    const floorMs = (spent.requests / rate) * 1000;
    return {
      channels,
      members,
      rate,
      fakeLimit: limit,
      concurrency,
      enumerated: listing.channels.length,
      snapshots: result.snapshots,
      membersSeen: seenMembers,
      incomplete,
      failures: result.failures.length,
      alone: result.alone,
      requests: spent.requests,
      minimumRequests: minimum,
      requestsToMinimum: round(spent.requests / minimum, 3),
      retries: spent.retries,
      throttled: server.throttled,
      serverRequests: server.requests,
      enumerateSeconds: round((tEnumerated - t0) / 1000, 2),
      wallSeconds: round(wallMs / 1000, 2),
      floorSeconds: round(floorMs / 1000, 2),
      wallToFloor: round(wallMs / floorMs, 3),
      peakRssMB: round((peak.rss - baseline.rss) / 2 ** 20, 1),
      peakHeapMB: round((peak.heapUsed - baseline.heapUsed) / 2 ** 20, 1),
      baselineRssMB: round(baseline.rss / 2 ** 20, 1),
    };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (name, fallback) => {
    const arg = args.find((a) => a.startsWith(`--${name}=`));
    return arg === undefined ? fallback : Number(arg.split('=')[1]);
  };
  const quick = args.includes('--quick');
  const sizes = {
    channels: value('channels', quick ? 2000 : 100_000),
    members: value('members', quick ? 20_000 : 1_000_000),
    rate: value('rate', 45),
    limit: value('limit', 50),
    concurrency: value('concurrency', 4),
  };
  const r = await benchReconcile(sizes);
  console.table([r]);
  const ok = r.snapshots === r.channels && r.membersSeen === r.members && r.failures === 0 && r.incomplete === 0;
  process.stdout.write(
    `reconcile (Ably REST): ${r.channels} channels / ${r.members} members -> ${ok ? 'every channel snapshotted, every member seen' : 'INCOMPLETE'}; ` +
      `requests ${r.requests} vs minimum ${r.minimumRequests} (${r.requestsToMinimum}x; ${r.throttled} answered 429); ` +
      `wall ${r.wallSeconds} s vs the rate's floor ${r.floorSeconds} s (${r.wallToFloor}x); peak +${r.peakRssMB} MB RSS, +${r.peakHeapMB} MB heap\n`,
  );
  if (!ok) process.exitCode = 1;
}
