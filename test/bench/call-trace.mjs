// How many of the project's functions one Ably delivery crosses (Express, MemoryStore) before its
// `join` is emitted, and how many one whole-app reconcile crosses, with the files they live in:
// V8's precise coverage with call counts (node:inspector) around exactly that work, after a warm-up,
// counting only functions of the packages' dist/ files. Run against this checkout or another one (to
// compare before/after: build the other checkout first):
//   node test/bench/call-trace.mjs [--root=/path/to/other/checkout] [--files] [--functions] (calls per file, per function)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const rootArg = process.argv.find((a) => a.startsWith('--root='));
const root = resolve(rootArg ? rootArg.slice('--root='.length) : resolve(here, '../..'));
const load = (path) => import(pathToFileURL(resolve(root, path)).href);

const core = await load('packages/core/dist/index.js');
const { presenceWebhooks } = await load('packages/express/dist/index.js');
const testing = await load('packages/testing/dist/index.js');
const express = (await import(pathToFileURL(resolve(root, 'packages/express/node_modules/express/index.js')).href)).default;

const KEY = 'traceApp.traceKey:traceSecretForTheCallTrace';
const T0 = Date.now() - 60_000;

/** Functions of the packages' dist files called while `work` runs: { calls, functions, files }. */
async function trace(session, work) {
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  await session.post('Profiler.takePreciseCoverage'); // reset the counts
  await work();
  const { result } = await session.post('Profiler.takePreciseCoverage');
  await session.post('Profiler.stopPreciseCoverage');
  const files = new Map();
  const named = [];
  let calls = 0;
  let functions = 0;
  for (const script of result) {
    if (!script.url.startsWith(pathToFileURL(resolve(root, 'packages')).href) || !script.url.includes('/dist/')) continue;
    if (script.url.includes('/packages/testing/')) continue; // the fake provider's side, not the receiver's
    for (const fn of script.functions) {
      const count = fn.ranges[0]?.count ?? 0;
      if (count === 0 || fn.functionName === '') continue; // the module's own top level ran at import
      calls += count;
      functions++;
      const file = script.url.slice(script.url.indexOf('/packages/') + 1);
      files.set(file, (files.get(file) ?? 0) + count);
      named.push(`${count}x ${fn.functionName} (${file.replace(/^packages\//, '').replace('/dist/', '/')})`);
    }
  }
  return {
    calls,
    functions,
    files: files.size,
    byFile: Object.fromEntries([...files].sort((a, b) => b[1] - a[1])),
    byFunction: named,
  };
}

async function delivery(session) {
  const receiver = core.createReceiver({ ably: { keys: [KEY] }, onError: () => undefined });
  const app = express();
  app.use('/webhooks', presenceWebhooks(receiver));
  const server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}/webhooks`;
  let n = 0;
  const build = () => {
    n++;
    const presence = [{ id: `c${n}:0:0`, clientId: `u${n}`, connectionId: `c${n}`, action: 2, timestamp: T0 + n }];
    return testing.ablyBatchRequest([testing.ablyPresenceItem('room-1', presence)], { key: KEY });
  };
  // One listener for the whole run, subscribed before the traced window: its on / off are not the delivery's calls.
  let joinedNow = () => undefined;
  receiver.on('join', () => joinedNow());
  const post = async (request) => {
    const joined = new Promise((done) => {
      joinedNow = done;
    });
    const res = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
    await res.arrayBuffer();
    await joined;
  };
  for (let i = 0; i < 50; i++) await post(build()); // warm-up: lazy paths taken once
  const request = build();
  const result = await trace(session, () => post(request));
  server.close();
  await receiver.close();
  return result;
}

async function reconcile(session) {
  const fake = spawn(
    process.execPath,
    [resolve(here, 'reconcile-fake-ably.mjs'), JSON.stringify({ channels: 20, members: 100, key: KEY })],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = await once(fake.stdout, 'data');
  const { port } = JSON.parse(String(line));
  try {
    const receiver = core.createReceiver({
      ably: { keys: [KEY], rest: { baseUrl: `http://127.0.0.1:${port}` } },
      resync: { minIntervalMs: 0 },
      maxEventAgeMs: Infinity,
      onError: () => undefined,
    });
    await receiver.reconcile(); // warm-up
    const result = await trace(session, () => receiver.reconcile());
    await receiver.close();
    return result;
  } finally {
    fake.kill();
  }
}

const session = new Session();
session.connect();
await session.post('Profiler.enable');
const out = { root, delivery: await delivery(session), reconcile: await reconcile(session) };
session.disconnect();
const { byFile: d, byFunction: df, ...dSummary } = out.delivery;
const { byFile: r, byFunction: rf, ...rSummary } = out.reconcile;
console.log(JSON.stringify({ root, delivery: dSummary, reconcile: rSummary }, null, 2));
if (process.argv.includes('--files')) console.log(JSON.stringify({ delivery: d, reconcile: r }, null, 2));
if (process.argv.includes('--functions')) console.log(JSON.stringify({ delivery: df, reconcile: rf }, null, 2));
