import type { TruthMember } from '@presence-webhooks/testing/builders';
import type { FakeAnswer, FakeRestServer, SeenRequest } from './fake-rest-server.js';
import { startFakeRest } from './fake-rest-server.js';

export interface FakePubNubOptions {
  /** Lists at most that many uuids per channel while still counting all of them. */
  truncate?: number;
  /** The first `count` requests answer 429 with this `Retry-After`. */
  throttle?: { count: number; retryAfter: string };
  /** Channels whose multi-channel requests answer 503. */
  failing?: Set<string>;
}

export interface FakePubNub extends FakeRestServer {
  /** channel -> present members ({ clientId: uuid, data: state }); mutate to move the truth on. */
  readonly sets: Map<string, TruthMember[]>;
  /** Requests per route: global Here Now, multi-channel (2+ channels), single-channel; 429s sent. */
  readonly counts: { global: number; multi: number; single: number; throttled: number };
}

const pubnubError = (status: number, message: string): FakeAnswer => ({
  status,
  body: { status, error: true, message, service: 'Presence' },
});

/**
 * PubNub's Here Now on loopback, answering the documented shapes from `sets`:
 * - `GET /v2/presence/sub-key/{sub}/channel/{ch}?state=1&uuid=...`: `{ status, message, occupancy, uuids: [{ uuid, state? }], service }`;
 * - `GET /v2/presence/sub-key/{sub}/channel/{a},{b},...`: `{ status, message, payload: { total_channels, total_occupancy, channels: { [ch]: { occupancy, uuids } } }, service }`;
 * - `GET /v2/presence/sub-key/{sub}` (global): the same payload for every channel with someone present.
 * As PubNub does, an empty channel is not listed in the global and multi-channel answers.
 */
export async function startFakePubNub(
  subscribeKey: string,
  sets: Map<string, TruthMember[]>,
  options: FakePubNubOptions = {},
): Promise<FakePubNub> {
  const counts = { global: 0, multi: 0, single: 0, throttled: 0 };
  let seen = 0;
  const entry = (name: string, withState: boolean) => {
    const members = sets.get(name) ?? [];
    const listed = members.slice(0, options.truncate ?? members.length);
    const uuids = listed.map((m) => (withState && m.data !== undefined ? { uuid: m.clientId, state: m.data } : { uuid: m.clientId }));
    return { occupancy: members.length, uuids };
  };
  const payload = (names: readonly string[], withState: boolean): FakeAnswer => {
    const channels: Record<string, { occupancy: number; uuids: unknown[] }> = {};
    let total = 0;
    for (const name of names) {
      if ((sets.get(name)?.length ?? 0) === 0) continue;
      const e = entry(name, withState);
      channels[name] = e;
      total += e.occupancy;
    }
    return {
      status: 200,
      body: {
        status: 200,
        message: 'OK',
        payload: { total_channels: Object.keys(channels).length, total_occupancy: total, channels },
        service: 'Presence',
      },
    };
  };
  const route = (request: SeenRequest): FakeAnswer => {
    const match = /^\/v2\/presence\/sub-key\/([^/]+)(?:\/channel\/([^/]+))?$/.exec(request.url.pathname);
    if (request.method !== 'GET' || match === null) return pubnubError(404, 'Not Found');
    if (decodeURIComponent(match[1] as string) !== subscribeKey) return pubnubError(400, 'Invalid Subscribe Key');
    if (!request.url.searchParams.get('uuid')) return pubnubError(400, 'UUID must be specified');
    seen++;
    if (options.throttle !== undefined && seen <= options.throttle.count) {
      counts.throttled++;
      return { ...pubnubError(429, 'Too Many Requests'), headers: { 'retry-after': options.throttle.retryAfter } };
    }
    const withState = request.url.searchParams.get('state') === '1';
    if (match[2] === undefined) {
      counts.global++;
      return payload([...sets.keys()], withState);
    }
    // The path's list: names percent-encoded one by one, separated by bare commas.
    const names = match[2].split(',').map((name) => decodeURIComponent(name));
    if (names.length === 1) {
      counts.single++;
      return { status: 200, body: { status: 200, message: 'OK', ...entry(names[0] as string, withState), service: 'Presence' } };
    }
    counts.multi++;
    if (names.some((name) => options.failing?.has(name) === true)) return pubnubError(503, 'Service Unavailable');
    return payload(names, withState);
  };
  const server = await startFakeRest(route);
  return Object.assign(server, { sets, counts });
}
