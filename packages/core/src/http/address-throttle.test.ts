import { describe, expect, it } from 'vitest';
import { AddressThrottle } from './address-throttle.js';

describe('AddressThrottle', () => {
  it('refuses an address after `limit` failures until its window ends; other addresses are untouched', () => {
    let now = Date.now();
    const throttle = new AddressThrottle({ limit: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfter('10.0.0.1')).toBe(0);
      throttle.failed('10.0.0.1');
    }
    expect(throttle.retryAfter('10.0.0.1')).toBe(60);
    expect(throttle.retryAfter('10.0.0.2')).toBe(0);
    now += 59_000;
    expect(throttle.retryAfter('10.0.0.1')).toBe(1);
    now += 1_000;
    expect(throttle.retryAfter('10.0.0.1')).toBe(0);
    expect(throttle.hasFailed('10.0.0.1')).toBe(false);
  });

  it('forgets an address that got in, and holds at most maxAddresses (the oldest forgotten first)', () => {
    const throttle = new AddressThrottle({ limit: 1, windowMs: 60_000, maxAddresses: 100 });
    throttle.failed('a');
    throttle.succeeded('a');
    expect(throttle.retryAfter('a')).toBe(0);
    for (let i = 0; i < 1000; i++) throttle.failed(`10.0.${i >> 8}.${i & 255}`);
    expect(throttle.size).toBe(100);
    expect(throttle.retryAfter('10.0.0.0')).toBe(0);
    expect(throttle.retryAfter('10.0.3.231')).toBeGreaterThan(0);
  });

  it('never counts requests without a known address (a shared count would lock everyone out)', () => {
    const throttle = new AddressThrottle({ limit: 1, windowMs: 1000 });
    for (let i = 0; i < 5; i++) throttle.failed(undefined);
    expect(throttle.retryAfter(undefined)).toBe(0);
    expect(throttle.hasFailed(undefined)).toBe(false);
    expect(throttle.size).toBe(0);
  });
});
