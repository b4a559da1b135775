import assert from 'node:assert/strict';
import type { ConformanceCase } from './cases.js';
import type { Harness } from './fixture.js';
import { expectAccepted, expectRejected, jsonOf, send, snapshot } from './fixture.js';
import { enterRequest } from './requests.js';

/** The token the suite's read endpoint requires in its token case. */
export const READ_TOKEN = 'conformance-read-token';

/** Where the read endpoint answers for a channel, under the webhook URL. */
export function membersPath(channel: string): string {
  return `/channels/${encodeURIComponent(channel)}/members`;
}

/** A channel name that needs encoding in a path (a slash, a colon, a space, non-ASCII). */
const AWKWARD_CHANNEL = 'read:room/1 ü';

/** GET the members of a channel: 200 with `{ channel, members }`, the store's members as JSON. */
async function expectMembers(h: Harness, channel: string, headers: Record<string, string> = {}, query = ''): Promise<void> {
  const answer = await send(h, { method: 'GET', path: membersPath(channel), query, headers });
  assert.equal(answer.status, 200, `status (answer body: ${answer.text.slice(0, 300)})`);
  assert.equal(answer.headers['cache-control'], 'no-store');
  const members = JSON.parse(JSON.stringify(await h.server.receiver.store.members(channel))) as unknown;
  assert.deepEqual(jsonOf(answer), { channel, members });
}

const quiet = { warn: () => undefined };

/** The optional read endpoint: off by default (its route a quiet 404, other GETs 405 as ever), on, and on with a token. */
export const readCases: readonly ConformanceCase[] = [
  {
    name: 'read endpoint off (the default): GET <path>/channels/:channel/members is a quiet 404 read_endpoint_off (not a refusal)',
    run: async (h) => {
      const refused = h.server.receiver.stats().rejections;
      await expectRejected(h, { method: 'GET', path: membersPath('seed-room') }, { status: 404, code: 'read_endpoint_off' });
      assert.deepEqual(h.server.receiver.stats().rejections, refused, 'not counted as a refusal (nor logged)');
      // Other GETs stay 405, as ever.
      await expectRejected(h, { method: 'GET', path: '/channels/seed-room' }, { status: 405, code: 'method_not_allowed' });
    },
  },
  {
    name: "read endpoint on: GET <path>/channels/:channel/members answers the store's members as JSON; webhooks still work",
    options: { readEndpoint: true, logger: quiet },
    run: async (h) => {
      await expectAccepted(h, enterRequest(AWKWARD_CHANNEL));
      await expectAccepted(h, enterRequest(AWKWARD_CHANNEL, 'msgpack'));
      const before = await snapshot(h.server.receiver);
      const events = h.events.length;
      await expectMembers(h, 'seed-room');
      await expectMembers(h, AWKWARD_CHANNEL);
      assert.equal((await h.server.receiver.store.members(AWKWARD_CHANNEL)).length, 2);
      await expectMembers(h, 'no-such-channel'); // an empty list
      await expectMembers(h, 'seed-room', {}, '?ignored=1');
      // Reads change nothing.
      assert.deepEqual(await snapshot(h.server.receiver), before);
      assert.deepEqual(h.events.slice(events), []);
      // Only GET on the route itself reads: HEAD, other paths under the webhook path and the path itself stay 405.
      await expectRejected(h, { method: 'HEAD', path: membersPath('seed-room') }, { status: 405, code: 'method_not_allowed' });
      await expectRejected(h, { method: 'GET', path: '/channels/seed-room' }, { status: 405, code: 'method_not_allowed' });
      await expectRejected(h, { method: 'GET', path: '/channels/seed-room/members/more' }, { status: 405, code: 'method_not_allowed' });
      await expectRejected(h, { method: 'GET' }, { status: 405, code: 'method_not_allowed' });
    },
  },
  {
    name: 'read endpoint with a token: 401 without it, with a wrong one or in the query; 200 with Authorization: Bearer <token>',
    options: { readEndpoint: { token: READ_TOKEN } },
    run: async (h) => {
      const path = membersPath('seed-room');
      const refused = { status: 401, code: 'unauthorized' };
      await expectRejected(h, { method: 'GET', path }, refused);
      await expectRejected(h, { method: 'GET', path, headers: { authorization: `Bearer ${READ_TOKEN}x` } }, refused);
      await expectRejected(h, { method: 'GET', path, headers: { authorization: `Bearer ${READ_TOKEN.slice(0, -1)}` } }, refused);
      await expectRejected(h, { method: 'GET', path, headers: { authorization: `Basic ${READ_TOKEN}` } }, refused);
      await expectRejected(h, { method: 'GET', path, query: `?token=${READ_TOKEN}` }, refused);
      const answer = await send(h, { method: 'GET', path });
      assert.equal(answer.headers['www-authenticate'], 'Bearer');
      await expectMembers(h, 'seed-room', { authorization: `Bearer ${READ_TOKEN}` });
      await expectMembers(h, 'seed-room', { authorization: `bearer  ${READ_TOKEN}` });
    },
  },
];
