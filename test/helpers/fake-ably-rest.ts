import type { HistoryEntry, RawAblyPresence } from '@presence-webhooks/testing/builders';
import { ABLY_ACTION, ablyPresenceFold } from '@presence-webhooks/testing/builders';
import type { FakeAnswer, FakeRestServer, SeenRequest } from './fake-rest-server.js';
import { startFakeRest } from './fake-rest-server.js';

/**
 * What Ably's REST presence endpoint lists for each channel after a history: for every present
 * member, the message that last set its state, with action PRESENT and its data as sent.
 */
export function ablyPresenceSets(entries: readonly HistoryEntry[]): Map<string, RawAblyPresence[]> {
  const sets = ablyPresenceFold(entries, (message) => ({ ...message, action: ABLY_ACTION.present }));
  return new Map([...sets].map(([channel, members]) => [channel, [...members.values()]]));
}

export interface FakeAblyOptions {
  /** Channels per enumeration page at most (default 1000; the request's `limit` may lower it). */
  enumerationPageSize?: number;
  /** The batch presence answer: the BatchResult object (default) or a plain array of channel results. */
  batchShape?: 'result' | 'array';
  /**
   * channel -> how many batch answers still give an error entry for it (Infinity: always). The
   * single-channel endpoint is not affected unless `singleErrors` says so.
   */
  batchErrors?: Map<string, number>;
  /** Channels whose single-channel presence answers 500. */
  singleErrors?: Set<string>;
  /** Batch entries list at most this many members (a cut-short answer). */
  batchMemberCap?: number;
  /** The first `count` requests answer 429 with this `Retry-After`. */
  throttle?: { count: number; retryAfter: string };
  /** Answers 429 (Retry-After: 1) to a request that would make more than this many in the last second. */
  maxRequestsPerSecond?: number;
}

export interface FakeAbly extends FakeRestServer {
  /** The presence sets served (mutate to move the truth on); every key is an active channel. */
  readonly sets: Map<string, RawAblyPresence[]>;
  /** Requests per route ('channels' enumeration, 'batch' presence, 'single' channel presence) and 429s sent. */
  readonly counts: { channels: number; batch: number; single: number; throttled: number };
}

const ablyError = (status: number, code: number, message: string): FakeAnswer => ({
  status,
  body: { error: { message, code, statusCode: status, href: `https://help.ably.io/error/${code}` } },
});

/**
 * Ably's REST API on loopback, Basic auth by `key`:
 * - `GET /channels/{id}/presence?limit=N`: the documented array of presence messages, `Link`
 *   headers (first, current, next) with relative targets, `pageSize` members per page at most;
 * - `GET /channels?by=id&limit=N[&prefix=]`: the channel names (the keys of `sets`), paginated with
 *   a `Link` rel="next" cursor;
 * - `GET /presence?channels=a,b,...`: batch presence, at most 100 channels, as a BatchResult or a
 *   plain array (`options.batchShape`), with per-channel error entries on demand;
 * - 429 with `Retry-After` on demand (`throttle`) and above a request rate (`maxRequestsPerSecond`).
 */
export async function startFakeAbly(
  key: string,
  sets: Map<string, RawAblyPresence[]>,
  pageSize = 2,
  options: FakeAblyOptions = {},
): Promise<FakeAbly> {
  const expected = `Basic ${Buffer.from(key).toString('base64')}`;
  const counts = { channels: 0, batch: 0, single: 0, throttled: 0 };
  const recent: number[] = [];
  let seen = 0;
  const throttled = (): FakeAnswer | undefined => {
    seen++;
    if (options.throttle !== undefined && seen <= options.throttle.count) {
      counts.throttled++;
      return { ...ablyError(429, 42910, 'Rate limit exceeded; request rejected'), headers: { 'retry-after': options.throttle.retryAfter } };
    }
    if (options.maxRequestsPerSecond !== undefined) {
      const now = Date.now();
      while (recent.length > 0 && (recent[0] as number) <= now - 1000) recent.shift();
      if (recent.length >= options.maxRequestsPerSecond) {
        counts.throttled++;
        return { ...ablyError(429, 42910, 'Rate limit exceeded; request rejected'), headers: { 'retry-after': '1' } };
      }
      recent.push(now);
    }
    return undefined;
  };
  const enumerate = (params: URLSearchParams): FakeAnswer => {
    counts.channels++;
    if (params.get('by') !== 'id') return ablyError(400, 40000, 'the fake only serves by=id');
    const limit = Math.min(Number(params.get('limit') ?? 100), 1000, options.enumerationPageSize ?? 1000);
    const prefix = params.get('prefix') ?? '';
    const start = Number(params.get('cursor') ?? 0);
    const names = [...sets.keys()].filter((name) => name.startsWith(prefix));
    const page = names.slice(start, start + limit);
    const headers: Record<string, string> = {};
    if (start + limit < names.length) {
      const next = new URLSearchParams(params);
      next.set('cursor', String(start + limit));
      headers.link = `<./channels?${next.toString()}>; rel="next"`;
    }
    return { status: 200, headers, body: page };
  };
  const batch = (params: URLSearchParams): FakeAnswer => {
    counts.batch++;
    const names = (params.get('channels') ?? '').split(',').filter((name) => name !== '');
    if (names.length === 0) return ablyError(400, 40000, 'no channels given');
    if (names.length > 100)
      return ablyError(400, 90010, 'Max number of channels permitted in a single batch presence request (100) exceeded');
    const results = names.map((channel) => {
      const left = options.batchErrors?.get(channel) ?? 0;
      if (left > 0) {
        options.batchErrors?.set(channel, left - 1);
        return { channel, error: { message: 'Channel temporarily unavailable', code: 50003, statusCode: 503 } };
      }
      const members = sets.get(channel) ?? [];
      return { channel, presence: members.slice(0, options.batchMemberCap ?? members.length) };
    });
    if (options.batchShape === 'array') return { status: 200, body: results };
    const failureCount = results.filter((r) => 'error' in r).length;
    return { status: 200, body: { successCount: results.length - failureCount, failureCount, results } };
  };
  const single = (request: SeenRequest, channel: string): FakeAnswer => {
    counts.single++;
    if (options.singleErrors?.has(channel) === true) return ablyError(500, 50000, 'Internal error');
    const limit = Math.min(Number(request.url.searchParams.get('limit') ?? 100), 1000, pageSize);
    const start = Number(request.url.searchParams.get('start') ?? 0);
    const members = sets.get(channel) ?? [];
    const page = members.slice(start, start + limit);
    const link = (from: number, rel: string) =>
      `<./presence?limit=${request.url.searchParams.get('limit') ?? 100}&start=${from}>; rel="${rel}"`;
    const links = [link(0, 'first'), link(start, 'current')];
    if (start + limit < members.length) links.push(link(start + limit, 'next'));
    return { status: 200, headers: { link: links.join(', ') }, body: page };
  };
  const route = (request: SeenRequest): FakeAnswer => {
    if (request.headers.authorization !== expected) return ablyError(401, 40101, 'Invalid credentials');
    if (request.method !== 'GET') return ablyError(405, 40500, 'Method not allowed');
    const limited = throttled();
    if (limited !== undefined) return limited;
    const path = request.url.pathname;
    if (path === '/channels') return enumerate(request.url.searchParams);
    if (path === '/presence') return batch(request.url.searchParams);
    const match = /^\/channels\/([^/]+)\/presence$/.exec(path);
    if (match !== null) return single(request, decodeURIComponent(match[1] as string));
    return ablyError(404, 40400, 'Not found');
  };
  const server = await startFakeRest(route);
  return Object.assign(server, { sets, counts });
}
