import { describe, expect, it } from 'vitest';
import { BodyRead, InFlightBytes } from './body-read.js';

const limitsOf = (bodyLimit = 1000, maxInFlight = 1500) => ({ bodyLimit, bodyTimeoutMs: 10_000, inFlight: new InFlightBytes(maxInFlight) });

describe('BodyRead: the one read policy of a request body', () => {
  it('refuses before a byte is read: a malformed Content-Length 400, a declared one over the limit 413, past the in-flight cap 503', () => {
    const limits = limitsOf();
    expect(() => BodyRead.begin('12abc', limits)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_body' }));
    expect(() => BodyRead.begin('1001', limits)).toThrow(expect.objectContaining({ status: 413 }));
    const first = BodyRead.begin('1000', limits);
    expect(limits.inFlight.current).toBe(1000);
    expect(() => BodyRead.begin('600', limits)).toThrow(expect.objectContaining({ status: 503, code: 'server_busy' }));
    first.release();
    expect(limits.inFlight.current).toBe(0);
  });

  it('a body past its Content-Length is 400, one past the limit 413 (before the mismatch), and each refusal releases', () => {
    const limits = limitsOf();
    const past = BodyRead.begin('10', limits);
    past.take(8);
    expect(() => past.take(8)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_body' }));
    expect(limits.inFlight.current).toBe(0);
    const streamed = BodyRead.begin(undefined, limits);
    streamed.take(900);
    expect(limits.inFlight.current).toBe(900);
    expect(() => streamed.take(200)).toThrow(expect.objectContaining({ status: 413 }));
    expect(limits.inFlight.current).toBe(0);
  });

  it('a body that ends short of its Content-Length is 400; release is safe twice; no clock after the end', () => {
    const limits = limitsOf();
    const short = BodyRead.begin('10', limits);
    short.take(4);
    expect(() => short.end()).toThrow(expect.objectContaining({ status: 400 }));
    short.release();
    expect(limits.inFlight.current).toBe(0);
    const whole = BodyRead.begin('4', limits);
    whole.take(4);
    whole.end();
    let expired = false;
    whole.deadline(() => void (expired = true));
    expect((whole as unknown as { timer: unknown }).timer).toBeUndefined();
    expect(expired).toBe(false);
    expect(limits.inFlight.current).toBe(0);
  });
});
