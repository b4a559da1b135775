import { describe, expect, it } from 'vitest';
import { routeOf } from './route.js';

describe('routeOf', () => {
  const to = (method: string, url: string) => routeOf(method, url)?.to;

  it('the mount path is the webhook pipeline for every method (it answers 405 for all but POST)', () => {
    expect(['POST', 'PUT', 'GET', 'HEAD'].map((m) => to(m, '/?secret=x'))).toEqual(['webhook', 'webhook', 'webhook', 'webhook']);
  });

  it('a GET of a read path is the read endpoint, with its target decoded; any other method there is not', () => {
    expect(routeOf('GET', '/channels/room%201/members?x=1')).toEqual({ to: 'read', target: { kind: 'members', name: 'room 1' } });
    expect(routeOf('GET', '/users/u1/')).toEqual({ to: 'read', target: { kind: 'user', name: 'u1' } });
    expect([to('HEAD', '/channels/a/users'), to('POST', '/channels/a/members')]).toEqual(['webhook', undefined]);
  });

  it('the inspector page and its routes, for every method', () => {
    expect(['GET', 'POST', 'PUT'].map((m) => to(m, '/inspector'))).toEqual(['inspector', 'inspector', 'inspector']);
    expect([to('POST', '/inspector/session'), to('GET', '/inspector/state?channel=a')]).toEqual(['inspector', 'inspector']);
  });

  it('other paths under the mount: GET and HEAD go to the pipeline (405), a POST is not routed', () => {
    expect([to('GET', '/other'), to('HEAD', '/other'), to('POST', '/other'), to('DELETE', '/other')]).toEqual([
      'webhook',
      'webhook',
      undefined,
      undefined,
    ]);
  });
});
