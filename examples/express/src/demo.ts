/**
 * The demo: the Express example on the in-memory store, fed over real HTTP by the testing kit's
 * simulator, the way the providers deliver:
 * - an Ably stream: connections entering, updating, leaving and dropping (with the leaves Ably
 *   synthesizes 15 s later), in signed batches from three sites, each at most once per second,
 *   some answers lost so batches come again (duplicates), reordered across sites;
 * - a PubNub stream with the shared secret: users joining, changing state, leaving and timing out,
 *   as legacy JSON webhooks, multipart active / inactive and Events & Actions batches, reordered by
 *   network delay and resent with identical bodies when an answer is lost.
 * Provider time runs 60 times faster. It prints a summary first: per provider what was sent and
 * answered, then per channel the effective joins, updates and leaves and the final set
 * (`clientId@connectionId` for Ably), the users present (people, not connections: a user with two tabs
 * is one), and whether each equals the in-order truth; then how many users are online. `--verbose` adds
 * every effective join / leave after the summary; `--quiet` prints only the result line (and what
 * differs, if anything). The exit code is 0 only when every channel and the users online match.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { createReceiver } from '@presence-webhooks/core';
import type { TruthMember } from '@presence-webhooks/testing/builders';
import type { SimulationReport } from '@presence-webhooks/testing/simulator';
import { simulate } from '@presence-webhooks/testing/simulator';
import { createApp } from './app.js';
import { pusherDemoOptions, runPusherStream } from './demo-pusher.js';

// An unset or empty variable takes the demo's own key and secret.
const KEY = process.env.ABLY_KEY || 'demoApp.demoKey:demo-secret-not-for-production';
const PUBNUB_SECRET = process.env.PUBNUB_WEBHOOK_SECRET || 'demo-pubnub-secret-not-for-production';
const seed = Number(process.env.SEED ?? 20261122);
const FLAGS = ['--quiet', '--verbose', '--serve'];
const unknown = process.argv.slice(2).filter((arg) => !FLAGS.includes(arg));
if (unknown.length > 0) {
  console.error(
    `demo: unknown option ${unknown.join(' ')} (it takes --quiet: only the result line, --verbose: every join and leave too, --serve: keep serving the inspector)`,
  );
  process.exit(2);
}
const quiet = process.argv.includes('--quiet');
const verbose = process.argv.includes('--verbose') && !quiet;
const readToken = randomBytes(16).toString('hex');
const serve = process.argv.includes('--serve'); // keep serving after the run, so a person can watch the inspector
const inspectorToken = randomBytes(16).toString('hex');
const say = (line: string) => {
  if (!quiet) console.log(line);
};

// The read endpoint lets the simulator compare the receiver's set with the truth over HTTP too.
const receiver = createReceiver({
  ably: { keys: [KEY] },
  pubnub: { secret: PUBNUB_SECRET },
  pusher: pusherDemoOptions,
  readEndpoint: { token: readToken },
  inspector: { token: inspectorToken },
});
/** A member as the demo prints it: `client-3@conn-1a2b` (Ably: one entry per connection), or the PubNub uuid. */
const who = (m: { clientId: string; connectionId?: string }) =>
  m.connectionId === undefined ? m.clientId : `${m.clientId}@${m.connectionId}`;
const changes = new Map<string, { joins: number; updates: number; leaves: number }>();
const counts = (channel: string) => {
  let c = changes.get(channel);
  if (c === undefined) changes.set(channel, (c = { joins: 0, updates: 0, leaves: 0 }));
  return c;
};
const log: string[] = [];
receiver.on('join', (e) => {
  counts(e.channel).joins++;
  if (verbose) log.push(`  + ${e.provider} ${e.channel}: ${who(e.member)} joined`);
});
receiver.on('update', (e) => void counts(e.channel).updates++);
receiver.on('leave', (e) => {
  counts(e.channel).leaves++;
  if (verbose) log.push(`  - ${e.provider} ${e.channel}: ${who(e.member)} left [${e.reason}]`);
});
receiver.onError((error) => console.error(`  ! ${error.message}`));

const server = createApp(receiver).listen(Number(process.env.PORT ?? 0), '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
say(`Inspector: ${url}/inspector (sign in with ${inspectorToken})${serve ? '' : '; pass --serve to keep it running'}`);

function summary(name: string, report: SimulationReport): string {
  const answers = Object.entries(report.statuses)
    .map(([status, n]) => `${n} x ${status}`)
    .join(', ');
  return (
    `  ${name.padEnd(7)} ${report.events} events in ${report.requests} requests (${report.retries} retries, ${report.duplicates} duplicates), ` +
    `answers ${answers}, ${report.dropped} dropped, ${(report.elapsedMs / 1000).toFixed(1)} s; read back over HTTP: ${report.verification.status}`
  );
}

/** The distinct user ids of members, sorted (the default `users.id`: the clientId). */
const usersOf = (members: readonly { clientId: string }[]) => [...new Set(members.map((m) => m.clientId))].sort();

/** At most `max` names, then how many more. */
const list = (names: readonly string[], max = 6) =>
  names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;

say(`presence-webhooks demo: the Express example at ${url}, fed over HTTP by the simulator (provider time x60)`);
say(
  '  Ably: signed batches from 3 sites, retried and duplicated; PubNub: legacy JSON, multipart and Events & Actions, reordered and resent;',
);
say('  Pusher: signed batches, retried, with delayed member_removed');
const common = { url, readToken, seed, durationMs: 60_000, timeScale: 60, duplicateRate: 0.15 } as const;
const ably = await simulate({
  ...common,
  provider: 'ably',
  key: KEY,
  channels: ['lobby', 'room-1', 'room-2', 'room-3'],
  members: 12,
  events: 400,
});
const pubnub = await simulate({
  ...common,
  provider: 'pubnub',
  secret: PUBNUB_SECRET,
  channels: ['pn-lobby', 'pn-room-1', 'pn-room-2'],
  members: 10,
  events: 300,
});
const pusher = await runPusherStream(common);
await receiver.idle();
say('');
say(summary('Ably', ably));
say(summary('PubNub', pubnub));
say(summary('Pusher', pusher));

const truth = new Map<string, TruthMember[]>([
  ...Object.entries(ably.truth),
  ...Object.entries(pubnub.truth),
  ...Object.entries(pusher.truth),
]);
let allMatch = [ably, pubnub, pusher].every((r) => r.complete && r.dropped === 0 && r.verification.status === 'match');
say('\nPer channel: effective changes the receiver emitted, the final set, and its users (people, not connections)');
const channels = [...new Set([...ably.channels, ...pubnub.channels, ...pusher.channels, ...(await receiver.store.channels())])].sort();
const width = Math.max(...channels.map((c) => c.length));
for (const channel of channels) {
  const held = await receiver.store.members(channel);
  const members = held.map((m) => {
    const out: Record<string, unknown> = { clientId: m.clientId };
    if (m.connectionId !== undefined) out.connectionId = m.connectionId;
    if (m.data !== undefined) out.data = m.data;
    return out;
  });
  const expected = truth.get(channel) ?? [];
  const match = isDeepStrictEqual(members, expected);
  allMatch &&= match;
  const c = changes.get(channel) ?? { joins: 0, updates: 0, leaves: 0 };
  const line = `  ${channel.padEnd(width)}  ${String(c.joins).padStart(3)} joins ${String(c.updates).padStart(3)} updates ${String(c.leaves).padStart(3)} leaves; ${held.length} present: ${list(held.map(who)) || '(nobody)'}; ${match ? 'equals the in-order truth' : 'DIFFERS from the in-order truth'}`;
  if (match) say(line);
  else console.log(`${line}\n    expected: ${list(expected.map(who), 20) || '(nobody)'}`);
  // People: the user id is the clientId (PubNub uuid, Pusher user_id), so the truth's users are its distinct clientIds.
  const users = await receiver.store.users?.(channel);
  const expectedUsers = usersOf(expected);
  const usersMatch = isDeepStrictEqual(users, expectedUsers);
  allMatch &&= usersMatch;
  const people = `  ${''.padEnd(width)}  ${users?.length ?? 0} ${users?.length === 1 ? 'user' : 'users'}: ${list(users ?? []) || '(nobody)'}; ${usersMatch ? 'equals the in-order truth' : 'DIFFERS from the in-order truth'}`;
  if (usersMatch) say(people);
  else console.log(`${people}\n    expected: ${list(expectedUsers, 20) || '(nobody)'}`);
}
// Users online app-wide: a user present in several channels (or on several providers with the same id) counts once.
const online = await receiver.users.count();
const expectedOnline = usersOf([...truth.values()].flat()).length;
const onlineMatch = online === expectedOnline;
allMatch &&= onlineMatch;
const onlineLine = `\n${online} users online (each person once, whatever their connections and channels); ${onlineMatch ? 'equals the in-order truth' : `DIFFERS from the in-order truth (${expectedOnline})`}`;
if (onlineMatch) say(onlineLine);
else console.log(onlineLine);
if (verbose) {
  say(`\nEvery effective join and leave, in the order the receiver emitted them (${log.length}):`);
  for (const line of log) say(line);
} else {
  say('\n(--verbose lists every effective join and leave; --quiet prints only the result)');
}
console.log(
  allMatch
    ? 'RESULT: the receiver set equals the in-order truth on every channel.'
    : 'RESULT: MISMATCH between the receiver set and the truth.',
);
process.exitCode = allMatch ? 0 : 1;
if (serve) {
  // Ctrl-C ends the serving, not the run: the exit code stays the run's (0 when everything matched).
  process.once('SIGINT', () => {
    server.close();
    void receiver.close().finally(() => process.exit());
  });
  console.log(`Still serving: ${url}/inspector (sign in with ${inspectorToken}); Ctrl-C to stop.`);
} else {
  server.close();
  await receiver.close();
}
