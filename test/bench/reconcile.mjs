// Reconcile (Ably): `receiver.reconcile()` of a whole app into a MemoryStore (channel enumeration +
// batch presence through one request budget, each snapshot merged by the store), against a fake Ably
// with a request-rate limit (test/bench/reconcile-fake-ably.mjs, in a child process). Prints the
// requests used against the minimum (ceil(channels / 100) batch requests + enumeration pages), the
// wall time to a complete set against the rate's floor (requests / rate), and the peak RSS / heap of
// this process (receiver and store) above its baseline.
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
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { round } from './stats.mjs';

const KEY = 'bench.key:reconcile-secret';

/** Runs the benchmark; resolves with its figures. */
export async function benchReconcile({ channels, members, rate, limit, concurrency }) {
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('./reconcile-fake-ably.mjs', import.meta.url)),
      JSON.stringify({ channels, members, maxRequestsPerSecond: limit, key: KEY }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
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

    const store = new MemoryStore();
    const receiver = createReceiver({
      ably: { keys: [KEY], rest: { baseUrl } },
      store,
      resync: { onStart: false, concurrency, maxRequestsPerSecond: rate },
      onError: () => undefined,
    });
    let tEnumerated = 0;
    receiver.on('reconcile', (e) => void (e.phase === 'snapshot' && tEnumerated === 0 && (tEnumerated = performance.now())));
    const t0 = performance.now();
    const reconciled = await receiver.reconcile();
    const wallMs = performance.now() - t0;
    clearInterval(sampler);
    const server = await (await fetch(`${baseUrl}/__stats`)).json();
    let seenMembers = 0;
    for (const channel of await store.channels()) seenMembers += await store.occupancy(channel);
    await receiver.close();
    const listingPages = Math.ceil(channels / 1000);
    const minimum = Math.ceil(channels / 100) + listingPages;
    const floorMs = (reconciled.requests / rate) * 1000;
    return {
      channels,
      members,
      rate,
      fakeLimit: limit,
      concurrency,
      snapshots: reconciled.channels,
      membersStored: seenMembers,
      complete: reconciled.complete,
      failures: reconciled.failed.length,
      changes: reconciled.changes,
      requests: reconciled.requests,
      minimumRequests: minimum,
      requestsToMinimum: round(reconciled.requests / minimum, 3),
      throttled: server.throttled,
      serverRequests: server.requests,
      enumerateSeconds: round(((tEnumerated || performance.now()) - t0) / 1000, 2),
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
  const ok = r.snapshots === r.channels && r.membersStored === r.members && r.failures === 0 && r.complete;
  process.stdout.write(
    `reconcile (Ably): ${r.channels} channels / ${r.members} members -> ${ok ? 'every channel reconciled, every member in the store' : 'INCOMPLETE'}; ` +
      `requests ${r.requests} vs minimum ${r.minimumRequests} (${r.requestsToMinimum}x; ${r.throttled} answered 429); ` +
      `wall ${r.wallSeconds} s vs the rate's floor ${r.floorSeconds} s (${r.wallToFloor}x); peak +${r.peakRssMB} MB RSS, +${r.peakHeapMB} MB heap\n`,
  );
  if (!ok) process.exitCode = 1;
}
