/**
 * Ably's REST side of the whole-app reconcile against a loopback fake of Ably's API: channel
 * enumeration pages, batch presence in both answer shapes, per-channel errors, large sets, 429s,
 * a request-rate limit, and channel names with `:`, `/`, spaces, commas and non-ASCII.
 */
import type { RawAblyPresence } from '@presence-webhooks/testing/builders';
import { afterEach, describe, expect, it } from 'vitest';
import { ablyBatchPresence } from '../packages/core/src/providers/ably/rest/batch-presence.js';
import type { AblyBatchResult } from '../packages/core/src/providers/ably/rest/batch-presence.js';
import { ablyEnumerate } from '../packages/core/src/providers/ably/rest/enumerate.js';
import type { Snapshot } from '../packages/core/src/providers/snapshot.js';
import { RequestBudget } from '../packages/core/src/rest/budget.js';
import type { RequestBudgetOptions } from '../packages/core/src/rest/budget.js';
import { ResyncError } from '../packages/core/src/rest/resync-error.js';
import type { FakeAbly, FakeAblyOptions } from './helpers/fake-ably-rest.js';
import { startFakeAbly } from './helpers/fake-ably-rest.js';
import { startFakeRest } from './helpers/fake-rest-server.js';
import type { FakeRestServer } from './helpers/fake-rest-server.js';

const KEY = 'appId.keyId:reconcile-secret';
const ODD_NAMES = ['chat:lobby', 'room/4', 'with space', 'café ☕', '日本語', 'a:b/c d'];
const NOW = 1_800_000_000_000;

const servers: FakeRestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

function member(channel: string, i: number): RawAblyPresence {
  return {
    id: `conn-${i}:0:0`,
    clientId: `user-${i}`,
    connectionId: `conn-${i}`,
    action: 1,
    timestamp: NOW - 1000 + i,
    data: { channel, i },
  };
}

/** channel -> members: `count` channels (the odd names first), channel k holding k % 4 members. */
function truth(count: number): Map<string, RawAblyPresence[]> {
  const names = [...ODD_NAMES, ...Array.from({ length: Math.max(0, count - ODD_NAMES.length) }, (_, i) => `room-${i}`)].slice(0, count);
  return new Map(names.map((name, k) => [name, Array.from({ length: k % 4 }, (_, i) => member(name, i))]));
}

async function fake(sets: Map<string, RawAblyPresence[]>, options: FakeAblyOptions = {}, pageSize = 1000): Promise<FakeAbly> {
  const server = await startFakeAbly(KEY, sets, pageSize, options);
  servers.push(server);
  return server;
}

const budget = (options: RequestBudgetOptions = {}) => new RequestBudget({ maxRequestsPerSecond: 1000, backoffMs: 1, ...options });

async function batch(
  server: FakeAbly,
  channels: Iterable<string>,
  spend: RequestBudget,
  key = KEY,
  now = () => NOW,
): Promise<AblyBatchResult & { got: Map<string, Snapshot> }> {
  const got = new Map<string, Snapshot>();
  const result = await ablyBatchPresence({ baseUrl: server.url, key, cipherKey: () => undefined, now }, channels, spend, (snapshot) => {
    expect(got.has(snapshot.channel), `one snapshot per channel (${snapshot.channel})`).toBe(false);
    got.set(snapshot.channel, snapshot);
  });
  return { ...result, got };
}

/** The members a snapshot lists, as the truth holds them. */
function listed(snapshot: Snapshot | undefined): { clientId: string; connectionId?: string; data?: unknown }[] {
  return (snapshot?.events ?? []).map((e) => ({ clientId: e.member.clientId, connectionId: e.member.connectionId, data: e.member.data }));
}

function expectMatchesTruth(got: Map<string, Snapshot>, sets: Map<string, RawAblyPresence[]>) {
  for (const [channel, members] of sets) {
    const snapshot = got.get(channel);
    expect(snapshot, channel).toBeDefined();
    expect(snapshot?.complete, channel).toBe(true);
    expect(listed(snapshot), channel).toEqual(members.map((m) => ({ clientId: m.clientId, connectionId: m.connectionId, data: m.data })));
  }
}

describe('ablyEnumerate', () => {
  it('lists every active channel over Link pages, Basic auth, by=id, limit=1000, odd names intact', async () => {
    const sets = truth(23);
    const server = await fake(sets, { enumerationPageSize: 5 });
    const spend = budget();
    const listing = await ablyEnumerate({ baseUrl: server.url, key: KEY }, spend);
    expect(listing.channels).toEqual([...sets.keys()]);
    expect(listing).toMatchObject({ pages: 5, complete: true });
    expect(spend.requests).toBe(5);
    for (const request of server.requests) {
      expect(request.url.pathname).toBe('/channels');
      expect(request.url.searchParams.get('by')).toBe('id');
      expect(request.url.searchParams.get('limit')).toBe('1000');
      expect(request.headers['x-ably-version']).toBe('3');
    }
  });

  it('passes the prefix, and stops at the page bound saying the list is incomplete', async () => {
    const server = await fake(truth(30), { enumerationPageSize: 4 });
    const prefixed = await ablyEnumerate({ baseUrl: server.url, key: KEY, prefix: 'room-1' }, budget());
    expect(prefixed.channels).toEqual(['room-1', ...Array.from({ length: 10 }, (_, i) => `room-1${i}`)]);
    const bounded = await ablyEnumerate({ baseUrl: server.url, key: KEY, maxPages: 2 }, budget());
    expect(bounded).toMatchObject({ pages: 2, complete: false });
    expect(bounded.channels).toHaveLength(8);
  });

  it('refuses a Link loop, a page that is not a list, and a wrong key, with a ResyncError', async () => {
    const loop = await startFakeRest(() => ({ status: 200, headers: { link: '<./channels?by=id&limit=1000>; rel="next"' }, body: ['a'] }));
    servers.push(loop);
    await expect(ablyEnumerate({ baseUrl: loop.url, key: KEY }, budget())).rejects.toThrow(/links back/);
    const odd = await startFakeRest(() => ({ status: 200, body: { channels: 'a' } }));
    servers.push(odd);
    await expect(ablyEnumerate({ baseUrl: odd.url, key: KEY }, budget())).rejects.toThrow(/not an array/);
    const server = await fake(truth(3));
    await expect(ablyEnumerate({ baseUrl: server.url, key: 'appId.keyId:wrong' }, budget())).rejects.toMatchObject({ status: 401 });
  });
});

describe('ablyBatchPresence', () => {
  for (const shape of ['result', 'array'] as const) {
    it(`reads the ${shape === 'result' ? 'BatchResult' : 'plain array'} answer: one request per 100 channels, every channel right`, async () => {
      const sets = truth(250);
      const server = await fake(sets, { batchShape: shape });
      const spend = budget({ concurrency: 2 });
      const { got, failures, snapshots, alone } = await batch(server, sets.keys(), spend);
      expectMatchesTruth(got, sets);
      expect({ snapshots, alone, failures }).toEqual({ snapshots: 250, alone: 0, failures: [] });
      expect(server.counts).toMatchObject({ batch: 3, single: 0 });
      expect(spend.requests).toBe(3);
      expect(server.peakOpen()).toBeLessThanOrEqual(2);
      for (const snapshot of got.values()) expect(snapshot.time).toBe(NOW);
      for (const request of server.requests) {
        expect(request.headers['x-ably-version']).toBe('3');
        expect((request.url.searchParams.get('channels') ?? '').split(',').length).toBeLessThanOrEqual(100);
      }
    });
  }

  it('decodes members as webhooks are decoded (the data encoding chain), and an unreadable member makes the snapshot incomplete', async () => {
    const encoded = { ...member('enc', 0), data: '{"mood":"ok"}', encoding: 'json' };
    const sets = new Map<string, RawAblyPresence[]>([
      ['enc', [encoded]],
      ['bad', [member('bad', 0), { nope: true } as unknown as RawAblyPresence]],
    ]);
    const server = await fake(sets);
    const { got } = await batch(server, sets.keys(), budget());
    expect(got.get('enc')?.events[0]?.member.data).toEqual({ mood: 'ok' });
    expect(got.get('enc')?.complete).toBe(true);
    expect(got.get('bad')?.events).toHaveLength(1);
    expect(got.get('bad')?.complete).toBe(false);
    expect(got.get('bad')?.problems).toHaveLength(1);
  });

  it('stamps the snapshots with the time their request was sent', async () => {
    const sets = truth(20);
    const server = await fake(sets);
    let tick = 0;
    // A clock that moves on at each reading: read once before queueing, once as the request goes out.
    const { got } = await batch(server, sets.keys(), budget(), KEY, () => NOW + 1000 * tick++);
    for (const snapshot of got.values()) expect(snapshot.time).toBe(NOW + 1000);
  });

  it('sends each name percent-encoded and the separators as bare commas', async () => {
    const sets = truth(ODD_NAMES.length);
    const server = await fake(sets);
    const seen: string[] = [];
    const raw = await startFakeRest((request) => {
      seen.push(request.url.search);
      return { status: 200, body: { successCount: 0, failureCount: 0, results: [] } };
    });
    servers.push(raw);
    await batch(server, sets.keys(), budget());
    expect(server.counts.batch).toBe(1);
    await ablyBatchPresence(
      { baseUrl: raw.url, key: KEY, cipherKey: () => undefined, now: () => NOW },
      ODD_NAMES,
      budget({ retries: 0 }),
      () => {},
    );
    expect(seen[0]).toBe(`?channels=${ODD_NAMES.map(encodeURIComponent).join(',')}`);
  });

  it('retries a channel that failed inside the batch once alone, and reports only those that fail again', async () => {
    const sets = truth(40);
    const server = await fake(sets, {
      batchErrors: new Map([
        ['room-3', 1],
        ['room-5', Infinity],
      ]),
      singleErrors: new Set(['room-5']),
    });
    const { got, failures, alone } = await batch(server, sets.keys(), budget({ retries: 1 }));
    sets.delete('room-5');
    expectMatchesTruth(got, sets);
    expect(got.has('room-5')).toBe(false);
    expect(failures.map((f) => f.channel)).toEqual(['room-5']);
    expect(failures[0]?.error).toBeInstanceOf(ResyncError);
    expect(failures[0]?.error.status).toBe(500);
    expect(alone).toBe(2);
    // One batch; room-3 alone once; room-5 alone with its one retry.
    expect(server.counts).toMatchObject({ batch: 1, single: 3 });
  });

  it('fetches a channel whose batch entry may be cut short through the paginated snapshot', async () => {
    const sets = truth(10);
    sets.set(
      'big',
      Array.from({ length: 1500 }, (_, i) => member('big', i)),
    );
    const server = await fake(sets, { batchMemberCap: 1000 }, 1000);
    const { got, alone } = await batch(server, sets.keys(), budget());
    expectMatchesTruth(got, sets);
    expect(got.get('big')?.events).toHaveLength(1500);
    expect(alone).toBe(1);
    expect(server.counts).toMatchObject({ batch: 1, single: 2 });
  });

  it('sends a name containing a comma (which the list cannot carry) alone', async () => {
    const sets = new Map([
      ['a,b', [member('a,b', 0)]],
      ['c', [member('c', 1)]],
    ]);
    const server = await fake(sets);
    const { got, alone } = await batch(server, sets.keys(), budget());
    expectMatchesTruth(got, sets);
    expect(alone).toBe(1);
    expect(server.counts).toMatchObject({ batch: 1, single: 1 });
    const batched = server.requests.find((r) => r.url.pathname === '/presence');
    expect(batched?.url.searchParams.get('channels')).toBe('c');
  });

  it('honours 429 with Retry-After and a request-rate limit; every request counted', async () => {
    const sets = truth(900);
    const server = await fake(sets, { throttle: { count: 1, retryAfter: '0' }, maxRequestsPerSecond: 4 });
    const spend = budget({ concurrency: 3, retries: 5 });
    const { got, failures } = await batch(server, sets.keys(), spend);
    expect(failures).toEqual([]);
    expectMatchesTruth(got, sets);
    expect(server.counts.throttled).toBeGreaterThan(1);
    expect(spend.requests).toBe(server.requests.length);
    expect(spend.spent().throttled).toBe(server.counts.throttled);
    expect(server.counts.batch).toBe(9);
    expect(server.requests).toHaveLength(9 + server.counts.throttled);
  });

  it('fails the channels of a batch that cannot be had, without throwing', async () => {
    const sets = truth(5);
    const server = await fake(sets);
    const { got, failures } = await batch(server, sets.keys(), budget(), 'appId.keyId:wrong');
    expect(got.size).toBe(0);
    expect(failures.map((f) => f.channel)).toEqual([...sets.keys()]);
    for (const failure of failures) expect(failure.error.status).toBe(401);
  });

  it('rejects when the budget is aborted', async () => {
    const sets = truth(300);
    const server = await fake(sets);
    server.hold();
    const controller = new AbortController();
    const pending = batch(server, sets.keys(), budget({ signal: controller.signal }));
    await server.arrived(1);
    controller.abort();
    await expect(pending).rejects.toThrow(/aborted|closed/);
  });
});
