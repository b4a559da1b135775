/**
 * The multi-instance demo: two receiver processes (Express, ports of their own) share one Redis.
 * A generated Ably presence stream (connections entering, updating, leaving, dropping; batches
 * shuffled and duplicated) is split at random between them. It prints who emitted what, the
 * shared set per channel, whether it equals the in-order truth, and whether each effective
 * change was emitted exactly once across both instances.
 *
 *   REDIS_URL (default redis://127.0.0.1:6379), SEED, PORT_A / PORT_B (default: any free port)
 */
import { RedisStore } from '@presence-webhooks/redis';
import { generateAblyHistory, seededRandom } from '@presence-webhooks/testing/builders';
import { DEMO_KEY } from './config.js';
import { checkEmissions } from './emissions.js';
import type { ReceiverLine, ReceiverProcess } from './instances.js';
import { startReceiver } from './instances.js';
import { compareWithTruth, sendStream } from './stream.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const seed = Number(process.env.SEED ?? 20261122);
const prefix = `pw-example-${process.pid}-${Date.now().toString(36)}`;
const quiet = process.argv.includes('--quiet');

const reader = new RedisStore({ url: redisUrl, prefix });
try {
  await reader.channels(); // a store call: it waits for the connection (the client has no offline queue)
} catch {
  console.error(`No Redis at ${redisUrl}. Start one: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`);
  await reader.close();
  process.exit(1);
}

const show = (line: ReceiverLine) => {
  if (quiet || line.event === undefined) return;
  const sign = line.event === 'join' ? '+' : line.event === 'leave' ? '-' : '~';
  console.log(
    `  [${line.instance}] ${sign} ${line.channel}: ${line.clientId} (${line.connectionId}) ${line.event}${line.reason ? ` [${line.reason}]` : ''}`,
  );
};
const receivers: ReceiverProcess[] = [];
let ok = false;
try {
  receivers.push(await startReceiver({ instance: 'A', prefix, redisUrl, port: Number(process.env.PORT_A ?? 0), onLine: show }));
  receivers.push(await startReceiver({ instance: 'B', prefix, redisUrl, port: Number(process.env.PORT_B ?? 0), onLine: show }));

  const history = generateAblyHistory({ seed, channels: ['lobby', 'room-1', 'room-2', 'room-3'], clients: 12, steps: 400 });
  console.log(`Two receivers share Redis ${redisUrl} (prefix ${prefix}): ${receivers.map((r) => `${r.instance} ${r.url}`).join(', ')}`);
  console.log(
    `Sending ${history.entries.length} presence messages as signed Ably deliveries, shuffled, duplicated, split at random between A and B:`,
  );
  const sent = await sendStream(history.entries, { urls: receivers.map((r) => r.url), key: DEMO_KEY, random: seededRandom(seed + 1) });
  await Promise.all(receivers.map((r) => r.idle()));

  const comparison = await compareWithTruth(reader, history.truth);
  const emissions = checkEmissions(
    receivers.flatMap((r) => r.lines),
    comparison.stored,
  );
  console.log('\nThe shared presence set per channel (read from Redis):');
  for (const line of comparison.lines) console.log(`  ${line}`);
  console.log(`\n${sent.deliveries} deliveries, answers: ${[...sent.answers].map(([s, n]) => `${n} x ${s}`).join(', ')}`);
  console.log(
    `Events emitted: ${[...emissions.perInstance].map(([i, n]) => `${i} ${n}`).join(', ')}; emitted twice: ${emissions.duplicates.length}; members whose joins and leaves do not add up: ${emissions.unbalanced.length}`,
  );
  for (const problem of [...emissions.duplicates, ...emissions.unbalanced]) console.log(`  ! ${problem}`);
  ok = comparison.equal && emissions.duplicates.length === 0 && emissions.unbalanced.length === 0;
  console.log(
    ok
      ? 'RESULT: the shared set equals the in-order truth, and each change was emitted exactly once across both instances.'
      : 'RESULT: MISMATCH.',
  );
} finally {
  await Promise.all(receivers.map((r) => r.stop()));
  await reader.clear();
  await reader.close();
}
process.exitCode = ok ? 0 : 1;
