/**
 * PubNub's REST side of the whole-app reconcile against a loopback fake of Here Now: the global
 * answer for the whole key, multi-channel requests for the store's other channels (an unlisted
 * channel is empty), 429s, failures per request, and names with `:`, `/`, spaces, commas, non-ASCII.
 */
import type { TruthMember } from '@presence-webhooks/testing/builders';
import { afterEach, describe, expect, it } from 'vitest';
import { pubnubGlobalHereNow, pubnubMultiHereNow } from '../packages/core/src/providers/pubnub/rest/here-now-many.js';
import type { PubNubHereNowOptions } from '../packages/core/src/providers/pubnub/rest/here-now-many.js';
import type { Snapshot } from '../packages/core/src/providers/snapshot.js';
import { RequestBudget } from '../packages/core/src/rest/budget.js';
import type { RequestBudgetOptions } from '../packages/core/src/rest/budget.js';
import { ResyncError } from '../packages/core/src/rest/resync-error.js';
import type { FakePubNub, FakePubNubOptions } from './helpers/fake-pubnub-rest.js';
import { startFakePubNub } from './helpers/fake-pubnub-rest.js';
import type { FakeRestServer } from './helpers/fake-rest-server.js';
import { startFakeRest } from './helpers/fake-rest-server.js';

const SUB = 'sub-c-reconcile';
const NOW = 1_800_000_000_000;
const ODD_NAMES = ['chat:lobby', 'room/4', 'with space', 'café ☕', '日本語', 'a,b'];

const servers: FakeRestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** `count` channels (odd names first); channel k holds k % 3 members, some with state. */
function truth(count: number): Map<string, TruthMember[]> {
  const names = [...ODD_NAMES, ...Array.from({ length: Math.max(0, count - ODD_NAMES.length) }, (_, i) => `room-${i}`)].slice(0, count);
  return new Map(
    names.map((name, k) => [
      name,
      Array.from({ length: k % 3 }, (_, i) => (i === 0 ? { clientId: `u-${i}` } : { clientId: `u-${i}`, data: { k, i } })),
    ]),
  );
}

async function fake(sets: Map<string, TruthMember[]>, options: FakePubNubOptions = {}): Promise<FakePubNub> {
  const server = await startFakePubNub(SUB, sets, options);
  servers.push(server);
  return server;
}

const budget = (options: RequestBudgetOptions = {}) => new RequestBudget({ maxRequestsPerSecond: 1000, backoffMs: 1, ...options });
const optionsFor = (server: FakeRestServer): PubNubHereNowOptions => ({
  baseUrl: server.url,
  subscribeKey: SUB,
  uuid: 'reconciler',
  now: () => NOW,
});

function collect() {
  const got = new Map<string, Snapshot>();
  const onSnapshot = (snapshot: Snapshot) => {
    expect(got.has(snapshot.channel), `one snapshot per channel (${snapshot.channel})`).toBe(false);
    got.set(snapshot.channel, snapshot);
  };
  return { got, onSnapshot };
}

const listed = (snapshot: Snapshot | undefined) =>
  (snapshot?.events ?? []).map((e) =>
    e.member.data === undefined ? { clientId: e.memberKey } : { clientId: e.memberKey, data: e.member.data },
  );

describe('pubnubGlobalHereNow', () => {
  it('gives a snapshot for every channel with someone present, from one request, stamped request time - 3 s', async () => {
    const sets = truth(40);
    const server = await fake(sets);
    const spend = budget();
    const { got, onSnapshot } = collect();
    // A clock that moves on at each reading: the snapshot time is read when the request is sent.
    let tick = 0;
    const result = await pubnubGlobalHereNow({ ...optionsFor(server), now: () => NOW + 1000 * tick++ }, spend, onSnapshot);
    const occupied = [...sets].filter(([, members]) => members.length > 0);
    expect(result.listed.sort()).toEqual(occupied.map(([name]) => name).sort());
    expect(result.time).toBe(NOW + 1000 - 3000);
    for (const [channel, members] of occupied) {
      expect(listed(got.get(channel)), channel).toEqual(members);
      expect(got.get(channel)).toMatchObject({ time: NOW + 1000 - 3000, complete: true });
    }
    expect(spend.requests).toBe(1);
    expect(server.counts.global).toBe(1);
    expect(server.requests[0]?.url.searchParams.get('state')).toBe('1');
  });

  it('rejects with a ResyncError on a failure or another shape', async () => {
    const server = await fake(truth(3));
    await expect(pubnubGlobalHereNow({ ...optionsFor(server), subscribeKey: 'sub-c-other' }, budget(), () => {})).rejects.toMatchObject({
      status: 400,
    });
    const odd = await startFakeRest(() => ({ status: 200, body: { status: 200, channels: {} } }));
    servers.push(odd);
    await expect(pubnubGlobalHereNow(optionsFor(odd), budget(), () => {})).rejects.toThrow(/payload\.channels/);
  });
});

describe('pubnubMultiHereNow', () => {
  it('asks up to 100 channels a request, names encoded one by one; an unlisted channel is a complete, empty snapshot', async () => {
    const sets = truth(230);
    const server = await fake(sets);
    const spend = budget();
    const { got, onSnapshot } = collect();
    const asked = [...sets.keys(), 'gone-1', 'gone 2'];
    const result = await pubnubMultiHereNow(optionsFor(server), asked, spend, onSnapshot);
    expect(result).toEqual({ snapshots: asked.length, failures: [] });
    for (const channel of asked) {
      expect(listed(got.get(channel)), channel).toEqual(sets.get(channel) ?? []);
      expect(got.get(channel)).toMatchObject({ time: NOW - 3000, complete: true });
    }
    // 231 names without a comma in 3 requests, and 'a,b' (which a list cannot carry) alone.
    expect(server.counts).toMatchObject({ multi: 3, single: 1, global: 0 });
    expect(spend.requests).toBe(4);
    for (const request of server.requests) {
      const list = request.url.pathname.split('/channel/')[1] ?? '';
      expect(list.split(',').length).toBeLessThanOrEqual(100);
      expect(request.url.searchParams.get('state')).toBe('1');
    }
    const first = server.requests.find((r) => r.url.pathname.includes('chat'));
    expect(first?.url.pathname).toContain(
      `/channel/${['chat:lobby', 'room/4', 'with space', 'café ☕', '日本語'].map(encodeURIComponent).join(',')},`,
    );
  });

  it('marks a channel with more members than listed incomplete', async () => {
    const sets = new Map([
      ['big', Array.from({ length: 5 }, (_, i) => ({ clientId: `u${i}` }))],
      ['small', [{ clientId: 'a' }]],
    ]);
    const server = await fake(sets, { truncate: 2 });
    const { got, onSnapshot } = collect();
    await pubnubMultiHereNow(optionsFor(server), sets.keys(), budget(), onSnapshot);
    expect(got.get('big')?.complete).toBe(false);
    expect(got.get('small')?.complete).toBe(true);
  });

  it('retries a 429 after Retry-After, and fails only the channels of a request that keeps failing', async () => {
    const sets = truth(150);
    const server = await fake(sets, { throttle: { count: 1, retryAfter: '0' }, failing: new Set(['room-120']) });
    const spend = budget({ retries: 1 });
    const { got, onSnapshot } = collect();
    const names = [...sets.keys()].filter((name) => !name.includes(','));
    const result = await pubnubMultiHereNow(optionsFor(server), names, spend, onSnapshot);
    // The second request (channels 100..) answers 503 twice: its 49 channels fail, the first 100 are right.
    expect(result.failures.map((f) => f.channel)).toEqual(names.slice(100));
    for (const failure of result.failures) {
      expect(failure.error).toBeInstanceOf(ResyncError);
      expect(failure.error.status).toBe(503);
    }
    for (const channel of names.slice(0, 100)) expect(listed(got.get(channel)), channel).toEqual(sets.get(channel));
    expect(server.counts.throttled).toBe(1);
    expect(spend.requests).toBe(server.requests.length);
  });
});
