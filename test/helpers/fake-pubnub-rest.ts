import type { TruthMember } from '@presence-webhooks/testing';
import type { FakeAnswer, FakeRestServer, SeenRequest } from './fake-rest-server.js';
import { startFakeRest } from './fake-rest-server.js';

export interface FakePubNub extends FakeRestServer {
  /** channel -> present members ({ clientId: uuid, data: state }); mutate to move the truth on. */
  readonly sets: Map<string, TruthMember[]>;
}

/**
 * PubNub's Here Now on loopback: `GET /v2/presence/sub-key/{sub}/channel/{ch}?state=1&uuid=...`
 * answering the documented `{ status, message, occupancy, uuids: [{ uuid, state? }], service }`.
 * `truncate` lists at most that many uuids while still counting all of them.
 */
export async function startFakePubNub(subscribeKey: string, sets: Map<string, TruthMember[]>, options: { truncate?: number } = {}): Promise<FakePubNub> {
    const route = (request: SeenRequest): FakeAnswer => {
    const match = /^\/v2\/presence\/sub-key\/([^/]+)\/channel\/([^/]+)$/.exec(request.url.pathname);
    if (request.method !== 'GET' || match === null) return { status: 404, body: { status: 404, error: true, message: 'Not Found', service: 'Presence' } };
    if (decodeURIComponent(match[1] as string) !== subscribeKey) return { status: 400, body: { status: 400, error: true, message: 'Invalid Subscribe Key', service: 'Presence' } };
    if (!request.url.searchParams.get('uuid')) return { status: 400, body: { status: 400, error: true, message: 'UUID must be specified', service: 'Presence' } };
    const members = sets.get(decodeURIComponent(match[2] as string)) ?? [];
    const withState = request.url.searchParams.get('state') === '1';
    const listed = members.slice(0, options.truncate ?? members.length);
    const uuids = listed.map((m) => (withState && m.data !== undefined ? { uuid: m.clientId, state: m.data } : { uuid: m.clientId }));
    return { status: 200, body: { status: 200, message: 'OK', occupancy: members.length, uuids, service: 'Presence' } };
  };
  const server = await startFakeRest(route);
  return Object.assign(server, { sets });
}
