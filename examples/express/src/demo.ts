/**
 * The demo: the Express example on the in-memory store, fed over real HTTP by the testing kit's
 * simulator, the way the providers deliver:
 * - an Ably stream: connections entering, updating, leaving and dropping (with the leaves Ably
 *   synthesizes 15 s later), in signed batches from three sites, each at most once per second,
 *   some answers lost so batches come again (duplicates), reordered across sites;
 * - a PubNub stream with the shared secret: users joining, changing state, leaving and timing out,
 *   as legacy JSON webhooks, multipart active / inactive and Events & Actions batches, reordered by
 *   network delay and resent with identical bodies when an answer is lost.
 * Provider time runs 60 times faster. It prints each effective join / leave, then the final set per
 * channel and whether it equals the in-order truth; the exit code is 0 only when every channel matches.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { createReceiver } from '@presence-webhooks/core';
import type { SimulationReport, TruthMember } from '@presence-webhooks/testing';
import { simulate } from '@presence-webhooks/testing';
import { createApp } from './app.js';

const KEY = process.env.ABLY_KEY ?? 'demoApp.demoKey:demo-secret-not-for-production';
const PUBNUB_SECRET = process.env.PUBNUB_WEBHOOK_SECRET ?? 'demo-pubnub-secret-not-for-production';
const seed = Number(process.env.SEED ?? 20261122);
const quiet = process.argv.includes('--quiet');
const readToken = randomBytes(16).toString('hex');
const serve = process.argv.includes('--serve'); // keep serving after the run, so a person can watch the inspector
const inspectorToken = randomBytes(16).toString('hex');

// The read endpoint lets the simulator compare the receiver's set with the truth over HTTP too.
const receiver = createReceiver({ ably: { keys: [KEY] }, pubnub: { secret: PUBNUB_SECRET }, readEndpoint: { token: readToken }, inspector: { token: inspectorToken } });
const log = (line: string) => {
  if (!quiet) console.log(line);
};
const who = (m: { clientId: string; connectionId?: string }) => (m.connectionId === undefined ? m.clientId : `${m.clientId} (${m.connectionId})`);
receiver.on('join', (e) => log(`  + ${e.provider} ${e.channel}: ${who(e.member)} joined`));
receiver.on('leave', (e) => log(`  - ${e.provider} ${e.channel}: ${who(e.member)} left [${e.reason}]`));
receiver.onError((error) => console.error(`  ! ${error.message}`));

const server = createApp(receiver).listen(Number(process.env.PORT ?? 0), '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
console.log(`Inspector: ${url}/inspector (sign in with ${inspectorToken})${serve ? '' : '; pass --serve to keep it running'}`);

function summary(name: string, report: SimulationReport): string {
  const answers = Object.entries(report.statuses).map(([status, n]) => `${n} x ${status}`).join(', ');
  return (
    `${name}: ${report.events} presence events in ${report.requests} requests (${report.retries} retries, ${report.duplicates} duplicates; answers ${answers}; ` +
    `${report.dropped} dropped) over ${report.elapsedMs} ms; the simulator's read-back: ${report.verification.status}`
  );
}

const common = { url, readToken, seed, durationMs: 60_000, timeScale: 60, duplicateRate: 0.15 } as const;
console.log(`Sending a simulated Ably stream (signed batches from 3 sites, retried and duplicated) to ${url}`);
const ably = await simulate({ ...common, provider: 'ably', key: KEY, channels: ['lobby', 'room-1', 'room-2', 'room-3'], members: 12, events: 400 });
console.log(summary('Ably', ably));
console.log(`Sending a simulated PubNub stream (legacy JSON, multipart and Events & Actions; reordered, resent) to ${url}`);
const pubnub = await simulate({ ...common, provider: 'pubnub', secret: PUBNUB_SECRET, channels: ['pn-lobby', 'pn-room-1', 'pn-room-2'], members: 10, events: 300 });
console.log(summary('PubNub', pubnub));
await receiver.idle();

const truth = new Map<string, TruthMember[]>([...Object.entries(ably.truth), ...Object.entries(pubnub.truth)]);
let allMatch = [ably, pubnub].every((r) => r.complete && r.dropped === 0 && r.verification.status === 'match');
console.log('\nFinal presence set per channel:');
const channels = [...new Set([...ably.channels, ...pubnub.channels, ...(await receiver.store.channels())])].sort();
for (const channel of channels) {
  const members = (await receiver.store.members(channel)).map((m) => {
    const out: Record<string, unknown> = { clientId: m.clientId };
    if (m.connectionId !== undefined) out.connectionId = m.connectionId;
    if (m.data !== undefined) out.data = m.data;
    return out;
  });
  const expected = truth.get(channel) ?? [];
  const match = isDeepStrictEqual(members, expected);
  allMatch &&= match;
  console.log(`  ${channel}: ${members.length} present [${members.map((m) => m.clientId).join(', ')}] ${match ? 'equals the in-order truth' : 'DIFFERS from the in-order truth'}`);
}
console.log(allMatch ? 'RESULT: the receiver set equals the in-order truth on every channel.' : 'RESULT: MISMATCH between the receiver set and the truth.');
process.exitCode = allMatch ? 0 : 1;
if (serve) {
  console.log(`Still serving: ${url}/inspector (sign in with ${inspectorToken}); Ctrl-C to stop.`);
} else {
  server.close();
  await receiver.close();
}
