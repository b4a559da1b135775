/**
 * Issue 25, over real HTTP (Express 5): wrong read-endpoint tokens and wrong PubNub `?secret=`
 * guesses are throttled per client address (429 with Retry-After), never globally: another address
 * with the right credential is served. A read of a channel too heavy for one answer is a 413.
 */
import type { Receiver } from '@presence-webhooks/core';
import type { PresenceEvent } from '@presence-webhooks/core/store';
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { pubnubEventItem, pubnubEventsRequest } from '@presence-webhooks/testing/builders';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from './helpers/express-server.js';
import { startExpress } from './helpers/express-server.js';
import { fromAddress } from './helpers/from-address.js';

const READ_TOKEN = 'hardening-read-token-0123456789';
const PUBNUB_SECRET = 'hardening-pubnub-secret-0123456789';

let running: { receiver: Receiver; server: RunningServer } | undefined;
afterEach(async () => {
  await running?.server.close();
  await running?.receiver.close();
  running = undefined;
});

async function start(store = new MemoryStore()): Promise<string> {
  const receiver = createReceiver({ pubnub: { secret: PUBNUB_SECRET }, store, readEndpoint: { token: READ_TOKEN } });
  const server = await startExpress(receiver);
  running = { receiver, server };
  return server.url;
}

const read = (address: string, url: string, token: string) =>
  fromAddress(address, `${url}/channels/room/members`, { headers: { authorization: `Bearer ${token}` } });

describe('throttles per client address', () => {
  it('wrong read tokens: 429 with Retry-After for the guessing address, the right token from another address reads', async () => {
    const url = await start();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await read('127.0.0.2', url, `wrong-read-token-${i}-0123456789`)).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    const throttled = await read('127.0.0.2', url, READ_TOKEN);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    const other = await read('127.0.0.3', url, READ_TOKEN);
    expect(other.status).toBe(200);
    expect(JSON.parse(other.body)).toEqual({ channel: 'room', members: [] });
  });

  it('wrong PubNub ?secret= guesses: 429 for the guessing address; PubNub at another address is accepted', async () => {
    const url = await start();
    const join = (userId: string) =>
      pubnubEventsRequest('join', [
        pubnubEventItem({ id: userId, channel: 'room', userId, timestampMs: Date.now() - 60_000, occupancy: 1 }),
      ]);
    const guess = (i: number) =>
      fromAddress('127.0.0.4', `${url}?secret=guess-${i}`, { method: 'POST', headers: join(`g${i}`).headers, body: join(`g${i}`).body });
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await guess(i)).status);
    expect(statuses).toEqual([...Array(20).fill(401), 429, 429]);
    expect(Number((await guess(99)).headers['retry-after'])).toBeGreaterThan(0);
    const real = join('alice');
    const accepted = await fromAddress('127.0.0.5', `${url}?secret=${PUBNUB_SECRET}`, {
      method: 'POST',
      headers: real.headers,
      body: real.body,
    });
    expect(accepted.status).toBe(200);
    await running?.receiver.idle();
    expect((await running?.receiver.store.members('room'))?.map((m) => m.clientId)).toEqual(['alice']);
  });
});

describe('a heavy channel read', () => {
  it('answers 413 with a clear message instead of an answer of more than 8 MiB', async () => {
    const store = new MemoryStore();
    const url = await start(store);
    const at = Date.now() - 60_000;
    const data = 'x'.repeat(512 * 1024);
    const events: PresenceEvent[] = Array.from({ length: 20 }, (_, i) => ({
      provider: 'pubnub',
      channel: 'room',
      memberKey: `u${i}`,
      present: true,
      member: { clientId: `u${i}`, timestamp: at, data },
      order: { ts: at, serial: -1, index: -1, rank: 0, id: `heavy-${i}` },
    }));
    await store.apply(events);
    const answer = await read('127.0.0.6', url, READ_TOKEN);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 'payload_too_large', message: expect.stringMatching(/too large for one answer of the read endpoint/) as unknown },
    });
  });
});
