/**
 * The demo: the Express example on the in-memory store, fed over real HTTP
 * - a signed stream of realistic Ably deliveries (several channels; connections entering, updating,
 *   leaving and dropping, with synthesized leaves; batches shuffled and duplicated; some MsgPack);
 * - a PubNub stream with the shared secret (users joining, changing state, leaving and timing out;
 *   legacy JSON webhooks, multipart active / inactive and Events & Actions batches mixed; reordered
 *   by network delay and resent with identical bodies 5 s later, as PubNub does without a 200).
 * It prints each effective join / leave, then the final set per channel and whether it equals the
 * in-order truth; the exit code is 0 only when every channel matches.
 */
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { createReceiver } from '@presence-webhooks/core';
import type { TruthMember } from '@presence-webhooks/testing';
import { ablyBatchRequest, ablyDeliveries, generateAblyHistory, generatePubNubHistory, pubnubDeliveries, seededRandom } from '@presence-webhooks/testing';
import { createApp } from './app.js';

const KEY = process.env.ABLY_KEY ?? 'demoApp.demoKey:demo-secret-not-for-production';
const PUBNUB_SECRET = process.env.PUBNUB_WEBHOOK_SECRET ?? 'demo-pubnub-secret-not-for-production';
const seed = Number(process.env.SEED ?? 20261122);
const quiet = process.argv.includes('--quiet');

const receiver = createReceiver({ ably: { keys: [KEY] }, pubnub: { secret: PUBNUB_SECRET } });
const log = (line: string) => {
  if (!quiet) console.log(line);
};
const who = (m: { clientId: string; connectionId?: string }) => (m.connectionId === undefined ? m.clientId : `${m.clientId} (${m.connectionId})`);
receiver.on('join', (e) => log(`  + ${e.provider} ${e.channel}: ${who(e.member)} joined`));
receiver.on('leave', (e) => log(`  - ${e.provider} ${e.channel}: ${who(e.member)} left [${e.reason}]`));
receiver.onError((error) => console.error(`  ! ${error.message}`));

const server = createApp(receiver).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;

const history = generateAblyHistory({ seed, channels: ['lobby', 'room-1', 'room-2', 'room-3'], clients: 12, steps: 400 });
const random = seededRandom(seed + 1);
const batches = ablyDeliveries(history.entries, random, { maxItems: 6, maxPerItem: 5, duplicateRate: 0.25 });
console.log(`Sending ${history.entries.length} presence messages in ${batches.length} signed deliveries (shuffled, duplicated, some MsgPack) to ${url}`);

const statuses = new Map<number, number>();
for (const items of batches) {
  const format = random() < 0.3 ? 'msgpack' : 'json';
  const request = ablyBatchRequest(items, { key: KEY, format });
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  await response.arrayBuffer();
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
}

const pubnubHistory = generatePubNubHistory({ seed, channels: ['pn-lobby', 'pn-room-1', 'pn-room-2'], users: 10, steps: 300 });
const pubnubStream = pubnubDeliveries(pubnubHistory.entries, seededRandom(seed + 2), { secret: PUBNUB_SECRET, reorder: 'network', resendRate: 0.25 });
const resends = pubnubStream.filter((d) => d.attempt > 1).length;
const formats = ['legacy', 'multipart', 'events'].map((f) => `${pubnubStream.filter((d) => d.format === f).length} ${f}`).join(', ');
console.log(`Sending ${pubnubHistory.entries.length} PubNub presence events in ${pubnubStream.length} deliveries (${formats}; ${resends} resends; reordered) to ${url}`);
for (const delivery of pubnubStream) {
  const { headers, body, query } = delivery.request;
  const response = await fetch(url + query, { method: 'POST', headers, body });
  await response.arrayBuffer();
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
}
await receiver.idle();

const truth = new Map<string, TruthMember[]>([...history.truth, ...pubnubHistory.truth]);
let allMatch = true;
console.log('\nFinal presence set per channel:');
const channels = [...new Set([...truth.keys(), ...(await receiver.store.channels())])].sort();
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
console.log(`\nAnswers: ${[...statuses].map(([s, n]) => `${n} x ${s}`).join(', ')}`);
console.log(allMatch ? 'RESULT: the receiver set equals the in-order truth on every channel.' : 'RESULT: MISMATCH between the receiver set and the truth.');
server.close();
process.exitCode = allMatch ? 0 : 1;
