import { describe, expect, it } from 'vitest';
import { SessionBook, sessionFromCookie } from './sessions.js';

describe('SessionBook', () => {
  it('opens random sessions that expire', () => {
    let now = 1000;
    const book = new SessionBook(() => now, 60_000, 8);
    const id = book.open();
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(book.open()).not.toBe(id);
    expect(book.valid(id)).toBe(true);
    expect(book.valid(`${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(book.valid(undefined)).toBe(false);
    expect(book.valid('short')).toBe(false);
    now += 60_000;
    expect(book.valid(id)).toBe(false);
  });

  it('keeps at most `limit` sessions, evicting the oldest', () => {
    const book = new SessionBook(Date.now, 60_000, 2);
    const first = book.open();
    const second = book.open();
    const third = book.open();
    expect(book.size).toBe(2);
    expect([book.valid(first), book.valid(second), book.valid(third)]).toEqual([false, true, true]);
    book.close(second);
    expect(book.valid(second)).toBe(false);
  });

  it('reads the session cookie among others', () => {
    expect(sessionFromCookie('a=1; pw_inspector=abc; b=2')).toBe('abc');
    expect(sessionFromCookie('pw_inspectorx=abc')).toBeUndefined();
    expect(sessionFromCookie(undefined)).toBeUndefined();
  });
});
