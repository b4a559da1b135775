import { describe, expect, it } from 'vitest';
import { answersAt, mountRelativeUrl } from './mount.js';

describe('mountRelativeUrl', () => {
  it('cuts the mount path off, keeping the query', () => {
    expect(mountRelativeUrl('/webhooks', '/webhooks')).toBe('/');
    expect(mountRelativeUrl('/webhooks?secret=x', '/webhooks')).toBe('/?secret=x');
    expect(mountRelativeUrl('/webhooks/', '/webhooks')).toBe('/');
    expect(mountRelativeUrl('/webhooks/?secret=x', '/webhooks/')).toBe('/?secret=x');
    expect(mountRelativeUrl('/webhooks/channels/a%2Fb/members?x=1', '/webhooks')).toBe('/channels/a%2Fb/members?x=1');
    expect(mountRelativeUrl('/hooks/presence', '/hooks/presence/')).toBe('/');
  });

  it('is undefined for a path that is neither the mount path nor under it', () => {
    expect(mountRelativeUrl('/webhooks-other', '/webhooks')).toBeUndefined();
    expect(mountRelativeUrl('/other/webhooks', '/webhooks')).toBeUndefined();
    expect(mountRelativeUrl('/webhook', '/webhooks')).toBeUndefined();
    expect(mountRelativeUrl('/?x=/webhooks', '/webhooks')).toBeUndefined();
  });

  it('at the root (/ or an empty mount path) every path is under it', () => {
    for (const mount of ['/', '']) {
      expect(mountRelativeUrl('/', mount)).toBe('/');
      expect(mountRelativeUrl('/anything?x=1', mount)).toBe('/anything?x=1');
    }
  });

  it('reads an absolute-form request target for its path and query', () => {
    expect(mountRelativeUrl('http://example.test/webhooks?secret=x', '/webhooks')).toBe('/?secret=x');
    expect(mountRelativeUrl('http://example.test/elsewhere', '/webhooks')).toBeUndefined();
  });
});

describe('answersAt', () => {
  it('answers every method on the mount path, and only GET and HEAD under it', () => {
    expect(['POST', 'PUT', 'GET', 'DELETE'].map((m) => answersAt(m, '/?secret=x'))).toEqual([true, true, true, true]);
    expect(['GET', 'HEAD', 'POST', 'PUT'].map((m) => answersAt(m, '/channels/a/members'))).toEqual([true, true, false, false]);
  });
});
