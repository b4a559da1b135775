import type { HistoryEntry, RawAblyPresence } from '@presence-webhooks/testing';
import { ABLY_ACTION, ablyPresenceFold } from '@presence-webhooks/testing';
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

export interface FakeAbly extends FakeRestServer {
  /** The presence sets served (mutate to move the truth on). */
  readonly sets: Map<string, RawAblyPresence[]>;
}

/**
 * Ably's REST presence API on loopback: `GET /channels/{id}/presence?limit=N` with Basic auth by
 * `key`, the documented array of presence messages, and `Link` headers (first, current, next) with
 * relative targets, `pageSize` members per page at most.
 */
export async function startFakeAbly(key: string, sets: Map<string, RawAblyPresence[]>, pageSize = 2): Promise<FakeAbly> {
  const expected = `Basic ${Buffer.from(key).toString('base64')}`;
    const route = (request: SeenRequest): FakeAnswer => {
    if (request.headers.authorization !== expected) {
      return { status: 401, body: { error: { message: 'Invalid credentials', code: 40101, statusCode: 401, href: 'https://help.ably.io/error/40101' } } };
    }
    const match = /^\/channels\/([^/]+)\/presence$/.exec(request.url.pathname);
    if (request.method !== 'GET' || match === null) return { status: 404, body: { error: { message: 'Not found', code: 40400, statusCode: 404 } } };
    const channel = decodeURIComponent(match[1] as string);
    const limit = Math.min(Number(request.url.searchParams.get('limit') ?? 100), 1000, pageSize);
    const start = Number(request.url.searchParams.get('start') ?? 0);
    const members = sets.get(channel) ?? [];
    const page = members.slice(start, start + limit);
    const link = (from: number, rel: string) => `<./presence?limit=${request.url.searchParams.get('limit') ?? 100}&start=${from}>; rel="${rel}"`;
    const links = [link(0, 'first'), link(start, 'current')];
    if (start + limit < members.length) links.push(link(start + limit, 'next'));
    return { status: 200, headers: { link: links.join(', ') }, body: page };
  };
  const server = await startFakeRest(route);
  return Object.assign(server, { sets });
}
