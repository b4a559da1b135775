/**
 * Property: for generated Ably presence histories (several clients and connections, synthesized
 * leaves, re-entries), delivering the messages in any permutation, any batching, with duplicates,
 * as JSON or MsgPack, the final set equals an in-order RTP2 map, and the last event emitted per
 * member agrees with the final set.
 */
import fc from 'fast-check';
import { createReceiver, type JoinEvent, type Receiver } from '@presence-webhooks/core';
import {
  ablyBatchRequest,
  generateAblyHistory,
  seededRandom,
  type AblyHistory,
  type BuiltRequest,
} from '@presence-webhooks/testing/builders';
import { ablyDeliveries } from '@presence-webhooks/testing/simulator';
import { describe, expect, it } from 'vitest';
import { startExpress } from './helpers/express-server.js';
import { presenceWebhooks as webHandler } from '@presence-webhooks/web';
import { serveFetch } from './helpers/web-server.js';

const KEY = 'prop.key:property-secret';

interface Run {
  seed: number;
  steps: number;
  clients: number;
  maxItems: number;
  maxPerItem: number;
  duplicateRate: number;
  msgpackShare: number;
}

const runArb: fc.Arbitrary<Run> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  steps: fc.integer({ min: 1, max: 80 }),
  clients: fc.integer({ min: 1, max: 6 }),
  maxItems: fc.integer({ min: 1, max: 8 }),
  maxPerItem: fc.integer({ min: 1, max: 6 }),
  duplicateRate: fc.double({ min: 0, max: 0.6, noNaN: true }),
  msgpackShare: fc.double({ min: 0, max: 1, noNaN: true }),
});

function requestsFor(history: AblyHistory, run: Run): BuiltRequest[] {
  const random = seededRandom(run.seed ^ 0x5bd1e995);
  return ablyDeliveries(history.entries, random, run).map((items) =>
    ablyBatchRequest(items, { key: KEY, format: random() < run.msgpackShare ? 'msgpack' : 'json' }),
  );
}

function track(receiver: Receiver): Map<string, { type: string; event: JoinEvent }> {
  const last = new Map<string, { type: string; event: JoinEvent }>();
  for (const type of ['join', 'update', 'leave'] as const) {
    receiver.on(type, (event) => void last.set(`${event.channel}|${event.member.connectionId}:${event.member.clientId}`, { type, event }));
  }
  return last;
}

async function check(receiver: Receiver, history: AblyHistory, last: Map<string, { type: string; event: JoinEvent }>): Promise<void> {
  await receiver.idle();
  const channels = new Set([...history.truth.keys(), ...(await receiver.store.channels())]);
  for (const channel of channels) {
    const members = (await receiver.store.members(channel)).map(({ clientId, connectionId, data }) =>
      data === undefined ? { clientId, connectionId } : { clientId, connectionId, data },
    );
    expect(members, channel).toEqual(history.truth.get(channel) ?? []);
  }
  // The last effective event per member agrees with the final set.
  const present = new Map<string, unknown>();
  for (const [channel, members] of history.truth)
    for (const m of members) present.set(`${channel}|${m.connectionId}:${m.clientId}`, m.data);
  for (const [key, { type, event }] of last) {
    expect(type === 'leave' ? false : present.has(key), key).toBe(present.has(key));
    if (type !== 'leave') expect(event.data, key).toEqual(present.get(key));
  }
  for (const key of present.keys()) expect(last.get(key)?.type, key).toMatch(/join|update/);
}

/** One property run: deliver every request through `send` (which answers the status), then check. */
async function converges(
  run: Run,
  connect: (receiver: Receiver) => Promise<{ send: (r: BuiltRequest) => Promise<number>; close(): Promise<void> }>,
): Promise<void> {
  const history = generateAblyHistory({ seed: run.seed, steps: run.steps, clients: run.clients });
  const receiver = createReceiver({ ably: { keys: [KEY] } });
  const last = track(receiver);
  const target = await connect(receiver);
  try {
    for (const request of requestsFor(history, run)) expect(await target.send(request)).toBe(200);
    await check(receiver, history, last);
  } finally {
    await target.close();
  }
}

describe('Ably presence converges whatever the order, batching and duplication', () => {
  it('through receiver.handle (many runs)', async () => {
    const direct = async (receiver: Receiver) => ({
      send: async (r: BuiltRequest) => (await receiver.handle({ method: 'POST', headers: r.headers, body: r.body })).status,
      close: async () => undefined,
    });
    await fc.assert(
      fc.asyncProperty(runArb, (run) => converges(run, direct)),
      { numRuns: 300 },
    );
  });

  it('over real HTTP through Express, JSON and MsgPack', async () => {
    const overHttp = async (receiver: Receiver) => {
      const server = await startExpress(receiver);
      const send = async (r: BuiltRequest) => {
        const res = await fetch(server.url, { method: 'POST', headers: r.headers, body: r.body });
        await res.arrayBuffer();
        return res.status;
      };
      return { send, close: () => server.close() };
    };
    await fc.assert(
      fc.asyncProperty(runArb, (run) => converges(run, overHttp)),
      { numRuns: 25 },
    );
  });

  it('over real HTTP through the web-standard handler (@hono/node-server), JSON and MsgPack', async () => {
    const overWeb = async (receiver: Receiver) => {
      const server = await serveFetch(webHandler(receiver, { path: '/webhooks' }));
      const send = async (r: BuiltRequest) => {
        const res = await fetch(`${server.base}/webhooks`, { method: 'POST', headers: r.headers, body: r.body });
        await res.arrayBuffer();
        return res.status;
      };
      return { send, close: () => server.close() };
    };
    await fc.assert(
      fc.asyncProperty(runArb, (run) => converges(run, overWeb)),
      { numRuns: 25 },
    );
  });
});
