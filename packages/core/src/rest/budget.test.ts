import { describe, expect, it } from 'vitest';
import { RequestBudget, retryAfterMs } from './budget.js';

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates (a past date is 0), and nothing else', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-1', now)).toBeUndefined();
  });
});

describe('RequestBudget options', () => {
  it('has the documented defaults', () => {
    const budget = new RequestBudget();
    expect([budget.concurrency, budget.maxRequestsPerSecond, budget.timeoutMs, budget.retries, budget.requests]).toEqual([
      2, 10, 10_000, 3, 0,
    ]);
  });

  it("refuses bad values with core's option error", () => {
    expect(() => new RequestBudget({ concurrency: 0 })).toThrow('presence-webhooks: resync.concurrency must be a positive integer (got 0)');
    expect(() => new RequestBudget({ maxRequestsPerSecond: Number.NaN })).toThrow(
      'resync.maxRequestsPerSecond must be a positive number (got NaN)',
    );
    expect(() => new RequestBudget({ retries: -1 })).toThrow('resync.retries must be an integer >= 0 (got -1)');
    expect(() => new RequestBudget({ timeoutMs: 1.5 })).toThrow('resync.timeoutMs must be a positive integer (got 1.5)');
  });
});
