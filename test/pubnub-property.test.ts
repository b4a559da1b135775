/**
 * Property: for generated PubNub streams delivered over real HTTP (Express) in any permutation,
 * with resends (identical bodies) and a mix of legacy webhooks and Events & Actions batches, the
 * receiver ends with the set that in-order application gives, and the last event it emitted for
 * each member agrees with that set.
 */
import type { Server } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { serve } from '@hono/node-server';
import type { JoinEvent, LeaveEvent, Receiver } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/express';
import { presenceWebhooks as webHandler } from '@presence-webhooks/web';
import type { PubNubDelivery } from '@presence-webhooks/testing/simulator';
import { generatePubNubHistory, seededRandom } from '@presence-webhooks/testing/builders';
import { pubnubDeliveries } from '@presence-webhooks/testing/simulator';
import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

const SECRET = 'property-secret';

interface Stream {
  history: ReturnType<typeof generatePubNubHistory>;
  deliveries: PubNubDelivery[];
}

const streamArb = fc
  .record({
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    steps: fc.integer({ min: 1, max: 60 }),
    users: fc.integer({ min: 1, max: 5 }),
    channels: fc.integer({ min: 1, max: 3 }),
    legacyShare: fc.double({ min: 0, max: 1, noNaN: true }),
    secretIn: fc.constantFrom('header' as const, 'query' as const),
  })
  .map(({ seed, steps, users, channels, legacyShare, secretIn }): Stream => {
    const history = generatePubNubHistory({ seed, steps, users, channels: ['a', 'b', 'c'].slice(0, channels) });
    // In order and without resends here: fast-check chooses the permutation and the resends.
    const deliveries = pubnubDeliveries(history.entries, seededRandom(seed ^ 0x5bd1e995), {
      secret: SECRET,
      secretIn,
      legacyShare,
      resendRate: 0,
      reorder: false,
    });
    return { history, deliveries };
  })
  .chain((stream) => {
    const indices = stream.deliveries.map((_, i) => i);
    return fc.record({
      stream: fc.constant(stream),
      order: fc.shuffledSubarray(indices, { minLength: indices.length, maxLength: indices.length }),
      resends: fc.array(fc.nat({ max: Math.max(0, indices.length - 1) }), { maxLength: indices.length === 0 ? 0 : 3 * indices.length }),
      resendSlots: fc.array(fc.nat(), { maxLength: 3 * Math.max(1, indices.length) }),
    });
  });

type MemberEvent = { name: 'join' | 'update' | 'leave'; payload: JoinEvent | LeaveEvent };

type Transport = (receiver: Receiver) => Server;

/** Express 5 with the middleware on /webhooks. */
const viaExpress: Transport = (receiver) => {
  const app = express();
  app.use('/webhooks', presenceWebhooks(receiver));
  return app.listen(0, '127.0.0.1');
};

/** The web-standard handler on /webhooks, served by @hono/node-server. */
const viaWeb: Transport = (receiver) => {
  const handler = webHandler(receiver, { path: '/webhooks' });
  return serve({ fetch: (request) => handler(request), port: 0, hostname: '127.0.0.1' }) as Server;
};

async function run(stream: Stream, order: number[], resends: number[], resendSlots: number[], transport: Transport = viaExpress) {
  const receiver = createReceiver({ pubnub: { secret: SECRET } });
  const emitted: MemberEvent[] = [];
  const errors: Error[] = [];
  receiver.on('join', (payload) => void emitted.push({ name: 'join', payload }));
  receiver.on('update', (payload) => void emitted.push({ name: 'update', payload }));
  receiver.on('leave', (payload) => void emitted.push({ name: 'leave', payload }));
  receiver.onError((error) => errors.push(error));
  const server = transport(receiver);
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  try {
    // The permutation, with resends (the same request object: identical bytes) inserted anywhere.
    const sequence = order.map((i) => stream.deliveries[i] as PubNubDelivery);
    resends.forEach((i, k) => sequence.splice((resendSlots[k] ?? 0) % (sequence.length + 1), 0, stream.deliveries[i] as PubNubDelivery));
    for (const delivery of sequence) {
      const { headers, body, query } = delivery.request;
      const json = (headers['content-type'] ?? '').includes('json');
      const res = await request(server)
        .post(`/webhooks${query}`)
        .set(headers)
        .send(json ? Buffer.from(body).toString('utf8') : Buffer.from(body));
      expect(res.status, res.text).toBe(200);
    }
    await receiver.idle();
    expect(errors).toEqual([]);

    const channels = new Set([...stream.history.truth.keys(), ...(await receiver.store.channels())]);
    for (const channel of channels) {
      const truth = stream.history.truth.get(channel) ?? [];
      const got = (await receiver.store.members(channel)).map((m) =>
        m.data === undefined ? { clientId: m.clientId } : { clientId: m.clientId, data: m.data },
      );
      expect(got, `channel ${channel}`).toEqual(truth);
      expect(await receiver.store.occupancy(channel)).toBe(truth.length);
    }
    // The last event emitted per member agrees with the final truth.
    const lastEvent = new Map<string, MemberEvent>();
    for (const event of emitted) lastEvent.set(`${event.payload.channel}\u0000${event.payload.member.clientId}`, event);
    const users = new Set(stream.history.entries.filter((e) => e.uuid !== undefined).map((e) => `${e.channel}\u0000${e.uuid}`));
    for (const key of users) {
      const [channel = '', uuid] = key.split('\u0000');
      const member = (stream.history.truth.get(channel) ?? []).find((m) => m.clientId === uuid);
      const last = lastEvent.get(key);
      if (member === undefined) {
        expect(last === undefined || last.name === 'leave', `${key}: last event ${last?.name}`).toBe(true);
      } else {
        expect(last?.name === 'join' || last?.name === 'update', `${key}: last event ${last?.name}`).toBe(true);
        expect(isDeepStrictEqual(last?.payload.data, member.data), `${key}: last data`).toBe(true);
      }
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('PubNub streams converge over HTTP', () => {
  it('any permutation, resends and a legacy / E&A mix give the in-order set; the last event per member agrees', async () => {
    await fc.assert(
      fc.asyncProperty(streamArb, async ({ stream, order, resends, resendSlots }) => {
        await run(stream, order, resends, resendSlots);
      }),
      { numRuns: 100 },
    );
  });

  it('through the web-standard handler (@hono/node-server): the same property', async () => {
    await fc.assert(
      fc.asyncProperty(streamArb, async ({ stream, order, resends, resendSlots }) => {
        await run(stream, order, resends, resendSlots, viaWeb);
      }),
      { numRuns: 25 },
    );
  });

  it('the deliveries helper: network reordering with 5 s resends, mixed formats, converges too', async () => {
    for (const seed of [11, 12, 13]) {
      const history = generatePubNubHistory({ seed, steps: 120, users: 6 });
      const deliveries = pubnubDeliveries(history.entries, seededRandom(seed), { secret: SECRET, reorder: 'network', resendRate: 0.3 });
      expect(deliveries.some((d) => d.attempt > 1)).toBe(true);
      expect(new Set(deliveries.map((d) => d.format))).toEqual(new Set(['legacy', 'multipart', 'events']));
      await run(
        { history, deliveries },
        deliveries.map((_, i) => i),
        [],
        [],
      );
    }
  });
});
