import { describe, expect, it } from 'vitest';
import { baseUrlOf, resolveResyncOptions } from './options.js';

describe('resync options', () => {
  it('detects nothing without the option, and has the documented defaults with it', () => {
    expect(resolveResyncOptions(undefined)).toEqual({ detect: false, onDrift: false, graceMs: 2000, minIntervalMs: 5000, everyMs: 0 });
    expect(resolveResyncOptions({ onDrift: true })).toEqual({ detect: true, onDrift: true, graceMs: 2000, minIntervalMs: 5000, everyMs: 0 });
  });

  it('names a bad option', () => {
    expect(() => resolveResyncOptions({ graceMs: -1 })).toThrow(/resync.graceMs/);
    expect(() => resolveResyncOptions({ everyMs: Number.NaN })).toThrow(/resync.everyMs/);
    expect(() => baseUrlOf('ftp://x', 'https://d', 'ably.rest.baseUrl')).toThrow(/ably.rest.baseUrl/);
    expect(() => baseUrlOf('not a url', 'https://d', 'pubnub.rest.baseUrl')).toThrow(/pubnub.rest.baseUrl/);
    expect(baseUrlOf('http://127.0.0.1:9/x//', 'https://d', 'n')).toBe('http://127.0.0.1:9/x');
    expect(baseUrlOf(undefined, 'https://d', 'n')).toBe('https://d');
  });
});
