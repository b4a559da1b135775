import assert from 'node:assert/strict';
import {
  PUSHER_APP_KEY,
  PUSHER_APP_SECRET,
  pusherMemberEvent,
  pusherRequest,
  pusherSingleRequest,
  signPusher,
} from '../pusher-builders.js';
import type { ConformanceCase } from './cases.js';
import { expectAccepted, expectRejected } from './fixture.js';

/** A few minutes ago: older than the receiver's horizon would be stale. */
const NOW_MS = Math.floor(Date.now() / 1000) * 1000 - 300_000;
/** The suite's receivers trust the test app's key, with a second (rotated) secret for it. */
const ROTATED_SECRET = 'pusher-rotated-secret';
const options = {
  pusher: {
    keys: [
      { key: PUSHER_APP_KEY, secret: PUSHER_APP_SECRET },
      { key: PUSHER_APP_KEY, secret: ROTATED_SECRET },
    ],
  },
};
const users = async (h: Parameters<ConformanceCase['run']>[0], channel: string) =>
  (await h.server.receiver.store.members(channel)).map((m) => m.clientId);

/** Pusher webhooks (single and batched, signed with X-Pusher-Signature) and their refusals. */
export const pusherCases: readonly ConformanceCase[] = [
  {
    name: 'Pusher batched and single webhooks: channel.active, member_added, member_removed; a retry is a duplicate',
    options,
    run: async (h) => {
      const batch = pusherRequest(NOW_MS, [
        { name: 'channel_occupied', channel: 'presence-px' },
        pusherMemberEvent('member_added', 'presence-px', 'ann'),
        pusherMemberEvent('member_added', 'presence-px', 'bob'),
      ]);
      await expectAccepted(h, batch);
      assert.deepEqual(await users(h, 'presence-px'), ['ann', 'bob']);
      const removed = pusherSingleRequest(NOW_MS + 1, pusherMemberEvent('member_removed', 'presence-px', 'bob'), {
        secret: ROTATED_SECRET,
      });
      await expectAccepted(h, removed);
      await expectAccepted(h, batch); // Pusher retries with the same body: nothing changes
      await expectAccepted(h, removed);
      assert.deepEqual(await users(h, 'presence-px'), ['ann']);
      assert.equal((await h.server.receiver.store.members('presence-px'))[0]?.connectionId, undefined);
      assert.deepEqual(
        h.events.filter((e) => e.includes('presence-px')),
        ['join:presence-px:ann', 'join:presence-px:bob', 'leave:presence-px:bob'],
      );
      // Channel events are emitted as they come (no merge): the retried batch emits channel.active again.
      assert.deepEqual(h.channelEvents, ['channel.active:presence-px', 'channel.active:presence-px']);
    },
  },
  {
    name: 'Pusher client_event, cache_miss and subscription_count are accepted and ignored',
    options,
    run: async (h) => {
      const request = pusherRequest(NOW_MS, [
        { name: 'client_event', channel: 'presence-px', event: 'client-typing', data: '{}', socket_id: '1.2', user_id: 'ann' },
        { name: 'cache_miss', channel: 'cache-px' },
        { name: 'subscription_count', channel: 'px', subscription_count: 2 },
      ]);
      const { events, rejected } = await expectAccepted(h, request);
      assert.deepEqual([events, rejected], [0, 0]);
      assert.deepEqual(await users(h, 'presence-px'), []);
    },
  },
  {
    name: '401 for Pusher webhooks: tampered body, wrong secret, unknown key, missing or uppercase signature',
    options,
    run: async (h) => {
      const good = pusherRequest(NOW_MS, [pusherMemberEvent('member_added', 'presence-401', 'mallory')]);
      const tampered = new TextEncoder().encode(new TextDecoder().decode(good.body).replace('mallory', 'mallorz'));
      await expectRejected(h, { ...good, body: tampered }, { status: 401, code: 'unauthorized' });
      await expectRejected(h, pusherRequest(NOW_MS, [pusherMemberEvent('member_added', 'presence-401', 'eve')], { secret: 'wrong' }), {
        status: 401,
        code: 'unauthorized',
      });
      await expectRejected(h, pusherRequest(NOW_MS, [pusherMemberEvent('member_added', 'presence-401', 'eve')], { key: 'other-key' }), {
        status: 401,
        code: 'unauthorized',
      });
      const { 'x-pusher-signature': signature = '', ...unsigned } = good.headers;
      await expectRejected(h, { ...good, headers: unsigned }, { status: 401, code: 'unauthorized' });
      await expectRejected(
        h,
        { ...good, headers: { ...good.headers, 'x-pusher-signature': signature.toUpperCase() } },
        { status: 401, code: 'unauthorized' },
      );
    },
  },
  {
    name: '400 for a signed Pusher body without time_ms / events',
    options,
    run: async (h) => {
      const body = new TextEncoder().encode(JSON.stringify({ events: [pusherMemberEvent('member_added', 'presence-400', 'x')] }));
      const headers = {
        'content-type': 'application/json',
        'x-pusher-key': PUSHER_APP_KEY,
        'x-pusher-signature': signPusher(body, PUSHER_APP_SECRET),
      };
      await expectRejected(h, { headers, body }, { status: 400, code: 'unknown_shape' });
    },
  },
];
