import { describe, expect, it } from 'vitest';
import { createReceiver } from './receiver.js';
import { readTarget } from './http/route.js';
import { MemoryStore } from './presence/memory-store.js';

/** The channel a read path asks the members of (the route matcher's read target), or undefined. */
function readRouteChannel(url: string | undefined): string | undefined {
  const route = readTarget(url);
  return route?.kind === 'members' ? route.name : undefined;
}

describe('the members read route', () => {
  it('takes the channel of /channels/:channel/members, decoded; ignores the query and a trailing slash', () => {
    expect(readRouteChannel('/channels/room-1/members')).toBe('room-1');
    expect(readRouteChannel('/channels/room%3A1%2Fa%20%C3%BC/members/?x=1')).toBe('room:1/a ü');
    expect(readRouteChannel('/channels/room-1/members#frag')).toBe('room-1');
  });

  it('is undefined for any other path, an empty channel or broken percent-encoding', () => {
    for (const url of [
      undefined,
      '/',
      '?secret=x',
      '/channels/room-1',
      '/channels//members',
      '/x/channels/room-1/members',
      '/channels/a/b/members',
      '/channels/%E0%A4%A/members',
      '/channels/room-1/members/more',
    ]) {
      expect(readRouteChannel(url), String(url)).toBeUndefined();
    }
  });
});

describe('readEndpoint option', () => {
  const ably = { keys: ['app.key:read-endpoint-key-secret'] };

  it('refuses a malformed option', () => {
    for (const readEndpoint of [{ token: '' }, { token: 'has space' }, { token: 42 }, {}, null, 'yes']) {
      expect(() => createReceiver({ ably, readEndpoint: readEndpoint as never }), JSON.stringify(readEndpoint)).toThrow(
        /readEndpoint(\.token)? must be (true, false or \{ token|a string of at least 16 characters without spaces)/,
      );
    }
  });

  it('warns once when on without a token; says nothing when off or with a token', () => {
    const warnings: string[] = [];
    const logger = { warn: (m: string) => void warnings.push(m) };
    createReceiver({ ably, logger });
    createReceiver({ ably, logger, readEndpoint: false });
    createReceiver({ ably, logger, readEndpoint: { token: 't0k3n-0123456789abcdef' } });
    expect(warnings).toEqual([]);
    createReceiver({ ably, logger, readEndpoint: true });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/without a token: anyone who reaches the webhook path can read/);
  });

  it('a store that fails to read: 503 store_failed, reported to onError', async () => {
    const store = new MemoryStore();
    store.members = () => Promise.reject(new Error('store down'));
    const errors: Error[] = [];
    const receiver = createReceiver({ ably, store, readEndpoint: { token: 'read-token-0123456789' }, onError: (e) => void errors.push(e) });
    const answer = await receiver.handle({
      method: 'GET',
      headers: { authorization: 'Bearer read-token-0123456789' },
      url: '/channels/a/members',
    });
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'store_failed' } });
    expect(errors.map((e) => e.message)).toEqual(['store down']);
  });
});
