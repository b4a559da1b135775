import { describe, expect, it } from 'vitest';
import { mountOf } from './mount.js';

describe('mountOf', () => {
  it('a route pattern without its trailing /*', () => {
    expect(mountOf('/webhooks/*', '/webhooks')).toBe('/webhooks');
    expect(mountOf('/webhooks/*', '/webhooks/channels/a/members')).toBe('/webhooks');
    expect(mountOf('/webhooks', '/webhooks/')).toBe('/webhooks');
  });

  it('parameters take their value from the request', () => {
    expect(mountOf('/tenants/:id/webhooks/*', '/tenants/7/webhooks/channels/a/members')).toBe('/tenants/7/webhooks');
  });

  it("'' (the whole URL) for catch-alls and inner wildcards", () => {
    expect(mountOf('*', '/x')).toBe('');
    expect(mountOf('/*', '/x')).toBe('');
    expect(mountOf('/a/*/b', '/a/x/b')).toBe('');
  });
});
