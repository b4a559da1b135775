import { describe, expect, it } from 'vitest';
import { httpUrl } from '../option-checks.js';
import { resolveResyncOptions } from './options.js';

describe('resync options', () => {
  it('detects nothing without the option, and has the documented defaults with it', () => {
    expect(resolveResyncOptions(undefined)).toEqual({
      detect: false,
      onDrift: false,
      graceMs: 2000,
      minIntervalMs: 5000,
      everyMs: 0,
      onStart: false,
      concurrency: 2,
      maxRequestsPerSecond: 10,
    });
    expect(resolveResyncOptions({ onDrift: true })).toEqual({
      detect: true,
      onDrift: true,
      graceMs: 2000,
      minIntervalMs: 5000,
      everyMs: 0,
      onStart: true,
      concurrency: 2,
      maxRequestsPerSecond: 10,
    });
  });

  it('names a bad option', () => {
    expect(() => resolveResyncOptions({ graceMs: -1 })).toThrow(/resync.graceMs/);
    expect(() => resolveResyncOptions({ everyMs: Number.NaN })).toThrow(/resync.everyMs/);
    expect(() => httpUrl('ftp://x', 'ably.rest.baseUrl', 'https://d')).toThrow(/ably.rest.baseUrl/);
    expect(() => httpUrl('not a url', 'pubnub.rest.baseUrl', 'https://d')).toThrow(/pubnub.rest.baseUrl/);
    expect(httpUrl('http://127.0.0.1:9/x//', 'n', 'https://d')).toBe('http://127.0.0.1:9/x');
    expect(httpUrl(undefined, 'n', 'https://d')).toBe('https://d');
  });
});
