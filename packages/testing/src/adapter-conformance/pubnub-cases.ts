import assert from 'node:assert/strict';
import { pubnubChannelStatusRequest, pubnubEventItem, pubnubEventsRequest, pubnubLegacyRequest } from '../pubnub-builders.js';
import type { ConformanceCase } from './cases.js';
import { expectAccepted, expectRejected } from './fixture.js';
import { PUBNUB_SECRET } from './requests.js';

/** A few minutes ago, in seconds (PubNub's legacy times): older than the receiver's horizon would be stale. */
const NOW_S = Math.floor(Date.now() / 1000) - 300;
const uuids = async (h: Parameters<ConformanceCase['run']>[0], channel: string) =>
  (await h.server.receiver.store.members(channel)).map((m) => m.clientId);

/** PubNub deliveries (legacy JSON, multipart active, Events & Actions) and their refusals. */
export const pubnubCases: readonly ConformanceCase[] = [
  {
    name: 'PubNub legacy JSON join and leave (secret in the header, then in ?secret=)',
    run: async (h) => {
      await expectAccepted(
        h,
        pubnubLegacyRequest(
          { action: 'join', channel: 'pn-room', uuid: 'ivan', timestamp: NOW_S, occupancy: 1, data: { mood: 'ok' } },
          { secret: PUBNUB_SECRET },
        ),
      );
      await expectAccepted(
        h,
        pubnubLegacyRequest(
          { action: 'join', channel: 'pn-room', uuid: 'judy', timestamp: NOW_S + 1, occupancy: 2 },
          { secret: PUBNUB_SECRET, secretIn: 'query' },
        ),
      );
      assert.deepEqual(await uuids(h, 'pn-room'), ['ivan', 'judy']);
      assert.deepEqual((await h.server.receiver.store.members('pn-room'))[0]?.data, { mood: 'ok' });
      await expectAccepted(
        h,
        pubnubLegacyRequest(
          { action: 'leave', channel: 'pn-room', uuid: 'judy', timestamp: NOW_S + 2, occupancy: 1 },
          { secret: PUBNUB_SECRET },
        ),
      );
      assert.deepEqual(await uuids(h, 'pn-room'), ['ivan']);
      assert.deepEqual(
        h.events.filter((e) => e.includes('pn-room')),
        ['join:pn-room:ivan', 'join:pn-room:judy', 'leave:pn-room:judy'],
      );
    },
  },
  {
    name: 'PubNub multipart channel active: 200 and channel.active',
    run: async (h) => {
      await expectAccepted(
        h,
        pubnubChannelStatusRequest({ channel: 'pn-multipart', status: 'active', timestamp: NOW_S }, { secret: PUBNUB_SECRET }),
      );
      assert.deepEqual(h.channelEvents, ['channel.active:pn-multipart']);
    },
  },
  {
    name: 'PubNub Events & Actions join batch',
    run: async (h) => {
      const items = ['kim', 'lee'].map((userId, i) =>
        pubnubEventItem({ id: `ena-${userId}`, channel: 'pn-ena', userId, timestampMs: NOW_S * 1000 + i, occupancy: i + 1, state: { i } }),
      );
      await expectAccepted(h, pubnubEventsRequest('join', items, { secret: PUBNUB_SECRET }));
      assert.deepEqual(await uuids(h, 'pn-ena'), ['kim', 'lee']);
      assert.deepEqual((await h.server.receiver.store.members('pn-ena'))[1]?.data, { i: 1 });
    },
  },
  {
    name: '401 for PubNub webhooks with a wrong or missing secret (JSON and multipart)',
    run: async (h) => {
      const join = { action: 'join', channel: 'pn-401', uuid: 'mallory', timestamp: NOW_S, occupancy: 1 } as const;
      await expectRejected(h, pubnubLegacyRequest(join, { secret: `${PUBNUB_SECRET}x` }), { status: 401, code: 'unauthorized' });
      await expectRejected(h, pubnubLegacyRequest(join, { secret: 'nope', secretIn: 'query' }), { status: 401, code: 'unauthorized' });
      await expectRejected(h, pubnubLegacyRequest(join), { status: 401, code: 'unauthorized' });
      await expectRejected(h, pubnubChannelStatusRequest({ channel: 'pn-401', status: 'active', timestamp: NOW_S }, { secret: 'nope' }), {
        status: 401,
        code: 'unauthorized',
      });
    },
  },
  {
    name: '400 for a multipart body that does not decode',
    run: async (h) => {
      const good = pubnubChannelStatusRequest(
        { channel: 'pn-400', status: 'active', timestamp: NOW_S },
        { secret: PUBNUB_SECRET, boundary: 'b0undary' },
      );
      const cut = (good.body ?? new Uint8Array(0)).subarray(0, 40); // no closing boundary
      await expectRejected(h, { ...good, body: cut }, { status: 400, code: 'invalid_body' });
      const noBoundary = { ...good, headers: { ...good.headers, 'content-type': 'multipart/form-data' } };
      await expectRejected(h, noBoundary, { status: 400, code: 'invalid_body' });
    },
  },
];
