/**
 * Property: for generated Pusher streams delivered over real HTTP (Express) in any permutation,
 * with retries (identical bodies) and a mix of single-event and batched webhooks, the receiver
 * ends with the set that in-order application gives, and the last event it emitted for each user
 * agrees with that set.
 */
import type { Server } from 'node:http';
import type { JoinEvent, LeaveEvent } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/express';
import type { PusherDelivery } from '@presence-webhooks/testing/simulator';
import type { PusherHistory } from '@presence-webhooks/testing/builders';
import { generatePusherHistory, PUSHER_APP_KEY, PUSHER_APP_SECRET, seededRandom } from '@presence-webhooks/testing/builders';
import { pusherDeliveries } from '@presence-webhooks/testing/simulator';
import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

interface Stream {
  history: PusherHistory;
  deliveries: PusherDelivery[];
}

const streamArb = fc
  .record({
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    steps: fc.integer({ min: 1, max: 80 }),
    users: fc.integer({ min: 1, max: 5 }),
    channels: fc.integer({ min: 1, max: 3 }),
    batchShare: fc.double({ min: 0, max: 1, noNaN: true }),
    maxGapMs: fc.constantFrom(20, 300, 1500),
  })
  .map(({ seed, steps, users, channels, batchShare, maxGapMs }): Stream => {
    const history = generatePusherHistory({
      seed,
      steps,
      users,
      maxGapMs,
      channels: ['presence-a', 'presence-b', 'presence-c'].slice(0, channels),
    });
    // In order and without retries here: fast-check chooses the permutation and the retries.
    const deliveries = pusherDeliveries(history.entries, seededRandom(seed ^ 0x5bd1e995), { batchShare, retryRate: 0, reorder: false });
    return { history, deliveries };
  })
  .chain((stream) => {
    const indices = stream.deliveries.map((_, i) => i);
    return fc.record({
      stream: fc.constant(stream),
      order: fc.shuffledSubarray(indices, { minLength: indices.length, maxLength: indices.length }),
      retries: fc.array(fc.nat({ max: Math.max(0, indices.length - 1) }), { maxLength: indices.length === 0 ? 0 : 2 * indices.length }),
      retrySlots: fc.array(fc.nat(), { maxLength: 2 * Math.max(1, indices.length) }),
    });
  });

type MemberEvent = { name: 'join' | 'update' | 'leave'; payload: JoinEvent | LeaveEvent };

async function run(stream: Stream, sequence: readonly PusherDelivery[]) {
  const receiver = createReceiver({ pusher: { keys: [{ key: PUSHER_APP_KEY, secret: PUSHER_APP_SECRET }] } });
  const emitted: MemberEvent[] = [];
  const errors: Error[] = [];
  receiver.on('join', (payload) => void emitted.push({ name: 'join', payload }));
  receiver.on('update', (payload) => void emitted.push({ name: 'update', payload }));
  receiver.on('leave', (payload) => void emitted.push({ name: 'leave', payload }));
  receiver.onError((error) => errors.push(error));
  const app = express();
  app.use('/webhooks', presenceWebhooks(receiver));
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    for (const delivery of sequence) {
      const { headers, body } = delivery.request;
      const res = await request(server).post('/webhooks').set(headers).send(Buffer.from(body).toString('utf8'));
      expect(res.status, res.text).toBe(200);
    }
    await receiver.idle();
    expect(errors).toEqual([]);
    const channels = new Set([...stream.history.truth.keys(), ...(await receiver.store.channels())]);
    for (const channel of channels) {
      const truth = stream.history.truth.get(channel) ?? [];
      const got = (await receiver.store.members(channel)).map((m) => {
        expect(m.connectionId).toBeUndefined();
        return { clientId: m.clientId };
      });
      expect(got, `channel ${channel}`).toEqual(truth);
      expect(await receiver.store.occupancy(channel)).toBe(truth.length);
    }
    const lastEvent = new Map<string, MemberEvent>();
    for (const event of emitted) lastEvent.set(`${event.payload.channel}\u0000${event.payload.member.clientId}`, event);
    for (const entry of stream.history.entries) {
      if (entry.userId === undefined) continue;
      const present = (stream.history.truth.get(entry.channel) ?? []).some((m) => m.clientId === entry.userId);
      const last = lastEvent.get(`${entry.channel}\u0000${entry.userId}`);
      // A reordered member_added that restates a present user (its removal still in flight) is an update with no data change.
      expect(
        present ? last?.name === 'join' || last?.name === 'update' : last === undefined || last.name === 'leave',
        `${entry.channel}/${entry.userId}: last event ${last?.name}`,
      ).toBe(true);
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('Pusher streams converge over HTTP', () => {
  it('any permutation, retries and a single / batched mix give the in-order set; the last event per user agrees', async () => {
    await fc.assert(
      fc.asyncProperty(streamArb, async ({ stream, order, retries, retrySlots }) => {
        const sequence = order.map((i) => stream.deliveries[i] as PusherDelivery);
        retries.forEach((i, k) => sequence.splice((retrySlots[k] ?? 0) % (sequence.length + 1), 0, stream.deliveries[i] as PusherDelivery));
        await run(stream, sequence);
      }),
      { numRuns: 80 },
    );
  });

  it('the deliveries helper: network reordering with retries, batches and single events, converges too', async () => {
    for (const seed of [21, 22, 23]) {
      const history = generatePusherHistory({ seed, steps: 150, users: 6, maxGapMs: 200 });
      expect(history.droppedRemovals).toBeGreaterThan(0);
      const deliveries = pusherDeliveries(history.entries, seededRandom(seed), { reorder: 'network', retryRate: 0.3 });
      expect(deliveries.some((d) => d.attempt > 1)).toBe(true);
      expect(deliveries.some((d) => d.entries.length > 1)).toBe(true);
      expect(deliveries.some((d) => !d.batched)).toBe(true);
      await run({ history, deliveries }, deliveries);
    }
  });
});
