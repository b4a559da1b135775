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
    const first = limiter.run('k', 'repair', () => (started++, gate.promise));
    now = 500; // running: reused even past the window
    expect(limiter.run('k', 'repair', () => (started++, Promise.resolve(2)))).toBe(first);
    expect(limiter.isRunning('k')).toBe(true);
    gate.resolve(1);
    await first;
    expect(limiter.isRunning('k')).toBe(false);
    now = 50;
    expect(limiter.waitFor('k', 'repair')).toBe(50);
    expect(await limiter.run('k', 'repair', () => (started++, Promise.resolve(3)))).toBe(1);
    now = 100;
    expect(limiter.waitFor('k', 'repair')).toBe(0);
    expect(await limiter.run('k', 'repair', () => (started++, Promise.resolve(4)))).toBe(4);
    expect(started).toBe(2);
  });

  it('a detect-only run does not stand in for a repair; a repair stands in for a detection', async () => {
    const limiter = new RateLimiter<string>(1000, () => 0);
    await limiter.run('k', 'detect', () => Promise.resolve('detect'));
    expect(limiter.waitFor('k', 'repair')).toBe(0);
    expect(await limiter.run('k', 'repair', () => Promise.resolve('repair'))).toBe('repair');
    expect(await limiter.run('k', 'detect', () => Promise.resolve('again'))).toBe('repair');
    expect(await limiter.run('other', 'detect', () => Promise.resolve('other'))).toBe('other');
  });
});
