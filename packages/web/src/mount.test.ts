import { describe, expect, it } from 'vitest';
import { mountMatcher } from './mount.js';

const at = (path: string | undefined, method: string, href: string) => mountMatcher(path)(method, new URL(href, 'http://h'));

describe('mountMatcher', () => {
  it('without a path: every URL, as path and query', () => {
    expect(at(undefined, 'POST', '/anything?secret=x')).toBe('/anything?secret=x');
    expect(at('/', 'POST', '/a')).toBe('/a');
  });

  it('the path itself (with or without a trailing slash, either way round), with its query', () => {
    for (const path of ['/webhooks', '/webhooks/', 'webhooks']) {
      expect(at(path, 'POST', '/webhooks')).toBe('/');
      expect(at(path, 'POST', '/webhooks/?secret=x')).toBe('/?secret=x');
    }
  });

  it('GETs and HEADs under the path (the read endpoint), not POSTs, not a longer name', () => {
    expect(at('/webhooks', 'GET', '/webhooks/channels/a/members?x=1')).toBe('/channels/a/members?x=1');
    expect(at('/webhooks', 'HEAD', '/webhooks/channels/a/members')).toBe('/channels/a/members');
    expect(at('/webhooks', 'POST', '/webhooks/other')).toBeUndefined();
    expect(at('/webhooks', 'GET', '/webhooks-other')).toBeUndefined();
    expect(at('/webhooks', 'POST', '/')).toBeUndefined();
  });
});
