/**
 * Pusher webhook signatures over real HTTP through Express, with pusher-http-node (the `pusher`
 * package) as the oracle: every body the builders sign is valid for its WebHook#isValid and
 * accepted here; what it rejects (tampered, wrong secret, wrong key, uppercase hex) is refused here
 * with a 401 that changes nothing. And the REST signing equals pusher-http-node's.
 */
import { createReceiver } from '@presence-webhooks/core';
import type { BuiltRequest, PusherWebhookEvent } from '@presence-webhooks/testing/builders';
import {
  PUSHER_APP_ID,
  PUSHER_APP_KEY,
  PUSHER_APP_SECRET,
  pusherMemberEvent,
  pusherRequest,
  pusherSingleRequest,
  signPusher,
} from '@presence-webhooks/testing/builders';
import fc from 'fast-check';
import Pusher from 'pusher';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { signedQuery } from '../packages/core/src/providers/pusher/rest/sign.js';
import { postTo, startExpress, type RunningServer } from './helpers/express-server.js';
import { snapshot } from './helpers/store-snapshot.js';
import { RECENT_MS } from './helpers/recent.js';

const ROTATED_SECRET = 'b1a5e0f6c3d24e8f9a70';
const OTHER_KEY = 'ffffffffffffffffffff';

const oracle = new Pusher({ appId: PUSHER_APP_ID, key: PUSHER_APP_KEY, secret: PUSHER_APP_SECRET, cluster: 'mt1' });
// isValid takes further tokens as { key, secret } (it builds its Token from them).
const rotated = { key: PUSHER_APP_KEY, secret: ROTATED_SECRET };

/** pusher-http-node's verdict on a request as it would arrive (it throws on a missing signature: a refusal too). */
function oracleAccepts(request: BuiltRequest): boolean {
  try {
    return oracle.webhook({ headers: request.headers, rawBody: Buffer.from(request.body).toString('utf8') }).isValid([rotated]);
  } catch {
    return false;
  }
}

const eventArb: fc.Arbitrary<PusherWebhookEvent> = fc.oneof(
  fc.record({
    name: fc.constantFrom('member_added', 'member_removed'),
    channel: fc.constantFrom('presence-a', 'presence-b;c', 'presence-é'),
    user_id: fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }),
  }),
  fc.record({ name: fc.constantFrom('channel_occupied', 'channel_vacated'), channel: fc.constantFrom('presence-a', 'private-x') }),
  fc.record({
    name: fc.constant('client_event'),
    channel: fc.constant('presence-a'),
    event: fc.constant('client-typing'),
    data: fc.json(),
  }),
);

describe('Pusher signatures: pusher-http-node is the oracle', () => {
  const receiver = createReceiver({
    pusher: {
      keys: [
        { key: PUSHER_APP_KEY, secret: PUSHER_APP_SECRET },
        { key: PUSHER_APP_KEY, secret: ROTATED_SECRET },
      ],
    },
    onError: () => undefined,
  });
  let server: RunningServer;
  beforeAll(async () => {
    server = await startExpress(receiver);
  });
  afterAll(() => server.close());

  async function expectRejected(request: BuiltRequest): Promise<string> {
    expect(oracleAccepts(request)).toBe(false);
    const before = await snapshot(receiver.store);
    const res = await postTo(server.url, request);
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: { code: 'unauthorized' } });
    await receiver.idle();
    expect(await snapshot(receiver.store)).toEqual(before);
    return (res.json as { error: { message: string } }).error.message;
  }

  it('every single and batched webhook the builders sign is valid for pusher-http-node and accepted here', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 1, maxLength: 20 }),
        fc.nat({ max: 2 ** 41 }),
        fc.boolean(),
        async (events, timeMs, useRotated) => {
          const secret = useRotated ? ROTATED_SECRET : PUSHER_APP_SECRET;
          const request =
            events.length === 1 && useRotated
              ? pusherSingleRequest(timeMs, events[0] as PusherWebhookEvent, { secret })
              : pusherRequest(timeMs, events, { secret });
          expect(oracleAccepts(request)).toBe(true);
          const res = await postTo(server.url, request);
          expect(res.status, JSON.stringify(res.json)).toBe(200);
        },
      ),
      { numRuns: 60 },
    );
    await receiver.idle();
  });

  it('a tampered body is rejected by both', async () => {
    const request = pusherRequest(RECENT_MS, [pusherMemberEvent('member_added', 'presence-a', 'mallory')]);
    const body = new TextEncoder().encode(Buffer.from(request.body).toString('utf8').replace('mallory', 'mallorz'));
    expect(await expectRejected({ ...request, body })).toMatch(/does not match the body/);
  });

  it('a wrong secret is rejected by both', async () => {
    await expectRejected(
      pusherRequest(RECENT_MS + 1, [pusherMemberEvent('member_added', 'presence-a', 'eve')], { secret: 'not-the-secret' }),
    );
  });

  it('a key the receiver does not have is rejected by both; the 401 names the keys it has, never a secret', async () => {
    const message = await expectRejected(
      pusherRequest(RECENT_MS + 2, [pusherMemberEvent('member_added', 'presence-a', 'trent')], {
        key: OTHER_KEY,
        secret: PUSHER_APP_SECRET,
      }),
    );
    expect(message).toContain(PUSHER_APP_KEY);
    expect(message).not.toContain(PUSHER_APP_SECRET);
    expect(message).not.toContain(ROTATED_SECRET);
  });

  it('an uppercase, truncated or missing signature is rejected by both', async () => {
    const request = pusherRequest(RECENT_MS + 3, [pusherMemberEvent('member_added', 'presence-a', 'upper')]);
    const signature = request.headers['x-pusher-signature'] as string;
    await expectRejected({ ...request, headers: { ...request.headers, 'x-pusher-signature': signature.toUpperCase() } });
    await expectRejected({ ...request, headers: { ...request.headers, 'x-pusher-signature': signature.slice(0, 40) } });
    const { 'x-pusher-signature': _s, ...unsigned } = request.headers;
    expect(await expectRejected({ ...request, headers: unsigned })).toMatch(/Missing X-Pusher-Signature/);
  });

  it('a correctly signed body that is not JSON: pusher-http-node finds it invalid, the receiver answers 400', async () => {
    const body = new TextEncoder().encode('{"time_ms":1,');
    const request = {
      headers: {
        'content-type': 'application/json',
        'x-pusher-key': PUSHER_APP_KEY,
        'x-pusher-signature': signPusher(body, PUSHER_APP_SECRET),
      },
      body,
    };
    expect(oracleAccepts(request)).toBe(false);
    expect((await postTo(server.url, request)).status).toBe(400);
  });
});

describe('Pusher REST signing equals pusher-http-node createSignedQueryString', () => {
  afterEach(() => void vi.restoreAllMocks());
  it('for the users and the channels requests', () => {
    const now = RECENT_MS + 123456;
    vi.spyOn(Date, 'now').mockReturnValue(now);
    const credentials = { key: PUSHER_APP_KEY, secret: PUSHER_APP_SECRET };
    const users = `/apps/${PUSHER_APP_ID}/channels/presence-room-1/users`;
    expect(signedQuery('GET', users, {}, credentials, now)).toBe(oracle.createSignedQueryString({ method: 'GET', path: users }));
    const channels = `/apps/${PUSHER_APP_ID}/channels`;
    const params = { filter_by_prefix: 'presence-', info: 'user_count' };
    expect(signedQuery('GET', channels, params, credentials, now)).toBe(
      oracle.createSignedQueryString({ method: 'GET', path: channels, params }),
    );
  });
});
