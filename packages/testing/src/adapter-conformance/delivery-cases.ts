import assert from 'node:assert/strict';
import type { Member } from '@presence-webhooks/core';
import { ablyBatchRequest, ablyEnvelopedPresence, ablyLegacyRequest, ablyPresenceItem } from '../ably-builders.js';
import { ablyDeliveries } from '../ably-deliveries.js';
import { generateAblyHistory } from '../ably-history.js';
import { seededRandom } from '../random.js';
import type { ConformanceCase, CaseContext } from './cases.js';
import { expectAccepted, expectRejected, send, snapshot } from './fixture.js';
import { ABLY_RULE_SECRET, enterMessage, enterRequest, leaveMessage, SUITE_KEY } from './requests.js';

const ids = (members: readonly Member[]) => members.map((m) => `${m.clientId}/${m.connectionId ?? ''}`);

/** Accepted deliveries in every Ably wire form, duplicates, a malformed item, concurrency. */
export const deliveryCases: readonly ConformanceCase[] = [
  {
    name: 'Ably JSON batch: enters and a leave across two channels',
    run: async (h) => {
      const alice = enterMessage('alice', { status: 'online' });
      const bob = enterMessage('bob');
      const carol = enterMessage('carol');
      const items = [
        ablyPresenceItem('room-a', [alice, bob]),
        ablyPresenceItem('room-b', [carol]),
        ablyPresenceItem('room-a', [leaveMessage(bob)]),
      ];
      const counts = await expectAccepted(h, ablyBatchRequest(items, { key: SUITE_KEY }));
      assert.deepEqual(counts, { events: 4, rejected: 0 });
      assert.deepEqual(ids(await h.server.receiver.store.members('room-a')), [`alice/${alice.connectionId}`]);
      assert.deepEqual((await h.server.receiver.store.members('room-a'))[0]?.data, { status: 'online' });
      assert.deepEqual(ids(await h.server.receiver.store.members('room-b')), [`carol/${carol.connectionId}`]);
      assert.deepEqual(
        h.events.filter((e) => !e.includes('seed-room')),
        ['join:room-a:alice', 'join:room-a:bob', 'join:room-b:carol', 'leave:room-a:bob'],
      );
    },
  },
  {
    name: 'Ably MsgPack batch',
    run: async (h) => {
      const dave = enterMessage('dave', { n: 1 });
      await expectAccepted(h, ablyBatchRequest([ablyPresenceItem('room-mp', [dave])], { key: SUITE_KEY, format: 'msgpack' }));
      const members = await h.server.receiver.store.members('room-mp');
      assert.deepEqual(ids(members), [`dave/${dave.connectionId}`]);
      assert.deepEqual(members[0]?.data, { n: 1 });
      await expectAccepted(h, ablyBatchRequest([ablyPresenceItem('room-mp', [leaveMessage(dave)])], { key: SUITE_KEY, format: 'msgpack' }));
      assert.deepEqual(await h.server.receiver.store.members('room-mp'), []);
    },
  },
  {
    name: 'Ably single requests with the shared secret (header, then ?secret=) and a legacy 0.8 batch',
    run: async (h) => {
      const erin = enterMessage('erin');
      const frank = enterMessage('frank');
      const grace = enterMessage('grace');
      await expectAccepted(h, ablyEnvelopedPresence('room-single', [erin], { headers: { 'x-webhook-secret': ABLY_RULE_SECRET } }));
      await expectAccepted(h, { ...ablyEnvelopedPresence('room-single', [frank]), query: `?secret=${ABLY_RULE_SECRET}` });
      await expectAccepted(h, ablyLegacyRequest('room-single', grace, { key: SUITE_KEY }));
      assert.deepEqual(
        ids(await h.server.receiver.store.members('room-single')).sort(),
        [`erin/${erin.connectionId}`, `frank/${frank.connectionId}`, `grace/${grace.connectionId}`].sort(),
      );
    },
  },
  {
    name: 'one malformed item in a valid batch: 200, valid items applied, the bad one reported to onError',
    run: async (h) => {
      const heidi = enterMessage('heidi');
      const broken = { id: 'broken:0:0', action: 2, timestamp: Date.now() - 60_000 }; // no clientId, no connectionId
      const items = [
        ablyPresenceItem('room-mixed', [heidi]),
        { ...ablyPresenceItem('room-mixed', []), data: { channelId: 'room-mixed', presence: [broken] } },
      ];
      const errors = h.errors.length;
      const counts = await expectAccepted(h, ablyBatchRequest(items, { key: SUITE_KEY }));
      assert.deepEqual(counts, { events: 1, rejected: 1 });
      assert.deepEqual(ids(await h.server.receiver.store.members('room-mixed')), [`heidi/${heidi.connectionId}`]);
      const reported = h.errors.slice(errors) as (Error & { code?: string })[];
      assert.equal(reported.length, 1, 'exactly the bad item is reported');
      assert.equal(reported[0]?.code, 'invalid_item');
    },
  },
  {
    name: 'a duplicate delivery: 200, no change, no event',
    run: async (h) => {
      const request = enterRequest('room-dup');
      await expectAccepted(h, request);
      const before = await snapshot(h.server.receiver);
      const events = h.events.length;
      await expectAccepted(h, request);
      assert.deepEqual(await snapshot(h.server.receiver), before);
      assert.deepEqual(h.events.slice(events), []);
    },
  },
  {
    name: '50 deliveries in parallel (shuffled, duplicated, JSON and MsgPack): the final set equals the in-order truth',
    run: async (h) => {
      const history = generateAblyHistory({ seed: 4242, channels: ['par-1', 'par-2', 'par-3'], clients: 8, steps: 160 });
      const random = seededRandom(4243);
      const batches = ablyDeliveries(history.entries, random, { maxItems: 2, maxPerItem: 3, duplicateRate: 0.25 }).slice(0, 50);
      const sent = new Set(batches.flatMap((items) => items.flatMap((item) => (item.data.presence as { id: string }[]).map((p) => p.id))));
      // Deliver the rest first, one by one, so that the 50 parallel ones complete the history.
      const rest = ablyDeliveries(
        history.entries.filter((e) => !sent.has(e.message.id)),
        random,
        { maxItems: 3 },
      );
      for (const items of rest) await expectAccepted(h, ablyBatchRequest(items, { key: SUITE_KEY }));
      assert.ok(batches.length === 50, `expected 50 batches, got ${batches.length}`);
      const answers = await Promise.all(
        batches.map((items, i) => send(h, ablyBatchRequest(items, { key: SUITE_KEY, format: i % 3 === 0 ? 'msgpack' : 'json' }))),
      );
      assert.deepEqual(
        answers.map((a) => a.status),
        batches.map(() => 200),
      );
      await h.server.receiver.idle();
      for (const channel of ['par-1', 'par-2', 'par-3']) {
        const members = (await h.server.receiver.store.members(channel)).map((m) => {
          const out: Record<string, unknown> = { clientId: m.clientId, connectionId: m.connectionId };
          if (m.data !== undefined) out.data = m.data;
          return out;
        });
        assert.deepEqual(members, history.truth.get(channel) ?? [], `members of ${channel}`);
      }
    },
  },
];

/** The body-parser row of the bad-input table: what a JSON delivery gets when a parser ran first. */
export function parserFirstCase(context: CaseContext): ConformanceCase {
  const consumed = context.parserFirst === 'body_consumed';
  return {
    name: consumed
      ? 'a body parser mounted first: 500 body_consumed that says how to mount the middleware'
      : 'a body parser mounted first: the exact raw bytes still reach core (200)',
    setup: { bodyParser: true },
    run: async (h) => {
      const request = enterRequest('room-parser');
      if (consumed) {
        await expectRejected(h, { ...request, oracleBodyConsumed: true }, { status: 500, code: 'body_consumed' });
        return;
      }
      await expectAccepted(h, request);
      assert.equal((await h.server.receiver.store.members('room-parser')).length, 1);
      // A MsgPack delivery, which JSON parsers leave alone, is read by the adapter itself.
      await expectAccepted(h, enterRequest('room-parser', 'msgpack'));
      assert.equal((await h.server.receiver.store.members('room-parser')).length, 2);
    },
  };
}
