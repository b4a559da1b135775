/**
 * The demo: the Express example on the in-memory store, fed a signed stream of realistic Ably
 * deliveries (several channels; connections entering, updating, leaving and dropping, with
 * synthesized leaves; batches shuffled and duplicated; some MsgPack) over real HTTP. It prints
 * each effective join / leave, then the final set per channel and whether it equals the truth.
 */
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { createReceiver } from '@presence-webhooks/core';
import { ablyBatchRequest, ablyDeliveries, generateAblyHistory, seededRandom } from '@presence-webhooks/testing';
import { createApp } from './app.js';

const KEY = process.env.ABLY_KEY ?? 'demoApp.demoKey:demo-secret-not-for-production';
const seed = Number(process.env.SEED ?? 20261122);
const quiet = process.argv.includes('--quiet');

const receiver = createReceiver({ ably: { keys: [KEY] } });
const log = (line: string) => {
  if (!quiet) console.log(line);
};
receiver.on('join', (e) => log(`  + ${e.channel}: ${e.member.clientId} (${e.member.connectionId}) joined`));
receiver.on('leave', (e) => log(`  - ${e.channel}: ${e.member.clientId} (${e.member.connectionId}) left [${e.reason}]`));
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
await receiver.idle();

let allMatch = true;
console.log('\nFinal presence set per channel:');
const channels = [...new Set([...history.truth.keys(), ...(await receiver.store.channels())])].sort();
for (const channel of channels) {
  const members = (await receiver.store.members(channel)).map((m) => {
    const out: Record<string, unknown> = { clientId: m.clientId, connectionId: m.connectionId };
    if (m.data !== undefined) out.data = m.data;
    return out;
  });
  const truth = history.truth.get(channel) ?? [];
  const match = isDeepStrictEqual(members, truth);
  allMatch &&= match;
  console.log(`  ${channel}: ${members.length} present [${members.map((m) => m.clientId).join(', ')}] ${match ? 'equals the in-order truth' : 'DIFFERS from the in-order truth'}`);
}
console.log(`\nAnswers: ${[...statuses].map(([s, n]) => `${n} x ${s}`).join(', ')}`);
console.log(allMatch ? 'RESULT: the receiver set equals the in-order truth on every channel.' : 'RESULT: MISMATCH between the receiver set and the truth.');
server.close();
process.exitCode = allMatch ? 0 : 1;
