import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TruthMember } from '@presence-webhooks/testing/builders';
import type { FakeAnswer, FakeRestServer, SeenRequest } from './fake-rest-server.js';
import { startFakeRest } from './fake-rest-server.js';

export interface FakePusher extends FakeRestServer {
  /** channel -> present users ({ clientId: user id }); mutate to move the truth on. */
  readonly sets: Map<string, TruthMember[]>;
  /** Requests refused for their signature (count). */
  readonly refused: { count: number };
}

/** Pusher refuses a request whose auth_timestamp is more than this far from its clock (s). */
const MAX_SKEW_S = 600;

/**
 * The signature check of Pusher's REST API, written from its documentation (not from the code under
 * test): the query without `auth_signature`, as `name=value` pairs of the decoded values, sorted by
 * name and joined by `&`; `METHOD\nPATH\nQUERY` HMAC-SHA256 with the app secret, in hex.
 */
function signatureError(request: SeenRequest, keys: ReadonlyMap<string, string>): string | undefined {
  const params = request.url.searchParams;
  const key = params.get('auth_key');
  const secret = key === null ? undefined : keys.get(key);
  if (secret === undefined) return 'Unknown auth_key';
  if (params.get('auth_version') !== '1.0') return 'auth_version must be 1.0';
  const timestamp = Number(params.get('auth_timestamp'));
  if (!Number.isSafeInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > MAX_SKEW_S) return 'Timestamp expired';
  const presented = params.get('auth_signature') ?? '';
  const pairs: [string, string][] = [];
  for (const [name, value] of params) if (name !== 'auth_signature') pairs.push([name, value]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const text = `${request.method}\n${request.url.pathname}\n${pairs.map(([n, v]) => `${n}=${v}`).join('&')}`;
  const expected = createHmac('sha256', secret).update(text).digest();
  const given = Buffer.from(presented, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return 'Invalid signature: you should have sent HmacSHA256Hex(...)';
  return undefined;
}

/**
 * Pusher's HTTP API on loopback, for one app: `GET /apps/{appId}/channels/{channel}/users` ->
 * `{ users: [{ id }] }` (presence channels only) and `GET /apps/{appId}/channels?filter_by_prefix=&info=user_count`
 * -> `{ channels: { name: { user_count } } }`. Every request must carry a valid auth signature by one of `keys`
 * (key -> secret), else 401 with Pusher's text.
 */
export async function startFakePusher(
  appId: string,
  keys: ReadonlyMap<string, string>,
  sets: Map<string, TruthMember[]>,
): Promise<FakePusher> {
  const refused = { count: 0 };
  const route = (request: SeenRequest): FakeAnswer => {
    if (request.method !== 'GET') return { status: 405, body: 'Method not allowed' };
    const why = signatureError(request, keys);
    if (why !== undefined) {
      refused.count++;
      return { status: 401, body: why };
    }
    const users = /^\/apps\/([^/]+)\/channels\/([^/]+)\/users$/.exec(request.url.pathname);
    const list = /^\/apps\/([^/]+)\/channels$/.exec(request.url.pathname);
    const app = users?.[1] ?? list?.[1];
    if (app !== appId) return { status: 404, body: 'Unknown app' };
    if (users !== null) {
      const channel = users[2] as string;
      if (!channel.startsWith('presence-')) return { status: 400, body: 'Users can only be retrieved for presence channels' };
      return { status: 200, body: { users: (sets.get(channel) ?? []).map((m) => ({ id: m.clientId })) } };
    }
    const prefix = request.url.searchParams.get('filter_by_prefix') ?? '';
    const withCount = (request.url.searchParams.get('info') ?? '').split(',').includes('user_count');
    const channels: Record<string, { user_count?: number }> = {};
    for (const [channel, members] of sets)
      if (members.length > 0 && channel.startsWith(prefix)) channels[channel] = withCount ? { user_count: members.length } : {};
    return { status: 200, body: { channels } };
  };
  const server = await startFakeRest(route);
  return Object.assign(server, { sets, refused });
}
