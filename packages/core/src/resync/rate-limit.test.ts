import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RateLimiter', () => {
  it('reuses the running run, then the last one inside the window, then starts anew', async () => {
    let now = 0;
    const limiter = new RateLimiter<number>(100, () => now);
    let started = 0;
    const gate = deferred<number>();
    const first = limiter.run('k', () => (started++, gate.promise));
    now = 500; // running: reused even past the window
    expect(limiter.run('k', () => (started++, Promise.resolve(2)))).toBe(first);
    expect(limiter.isRunning('k')).toBe(true);
    gate.resolve(1);
    await first;
    expect(limiter.isRunning('k')).toBe(false);
    now = 50;
    expect(limiter.waitFor('k')).toBe(50);
    expect(await limiter.run('k', () => (started++, Promise.resolve(3)))).toBe(1);
    now = 100;
    expect(limiter.waitFor('k')).toBe(0);
    expect(await limiter.run('k', () => (started++, Promise.resolve(4)))).toBe(4);
    expect(started).toBe(2);
  });
});
