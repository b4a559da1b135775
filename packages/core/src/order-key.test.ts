import { describe, expect, it } from 'vitest';
import type { OrderKey } from './order-key.js';
import { ablyOrderKey, compareOrder, MAX_MSG_SERIAL } from './order-key.js';

const key = (over: Partial<OrderKey>): OrderKey => ({ ts: 0, serial: -1, index: -1, rank: 0, id: '', ...over });

describe('compareOrder (RTP2b with deterministic tie-breaks)', () => {
  it('orders by msgSerial, then index, when both messages carry them (RTP2b2), whatever the timestamps', () => {
    expect(compareOrder(ablyOrderKey('c:10:0', 'c', 5, false), ablyOrderKey('c:9:0', 'c', 9, false))).toBeGreaterThan(0);
    expect(compareOrder(ablyOrderKey('c:3:2', 'c', 1, false), ablyOrderKey('c:3:1', 'c', 1, false))).toBeGreaterThan(0);
  });

  it('orders by timestamp when either is synthesized (RTP2b1)', () => {
    const real = ablyOrderKey('c:50:0', 'c', 1000, false);
    const synthetic = ablyOrderKey('other:1:0', 'c', 2000, true);
    expect(synthetic.serial).toBe(-1);
    expect(compareOrder(synthetic, real)).toBeGreaterThan(0);
    expect(compareOrder(ablyOrderKey('x', 'c', 999, true), real)).toBeLessThan(0);
  });

  it('breaks ties deterministically: leave beats non-leave, then the larger id; equal keys are the same message', () => {
    expect(compareOrder(key({ ts: 5, rank: 1, id: 'a' }), key({ ts: 5, rank: 0, id: 'z' }))).toBeGreaterThan(0);
    expect(compareOrder(key({ ts: 5, id: 'b' }), key({ ts: 5, id: 'a' }))).toBeGreaterThan(0);
    expect(compareOrder(key({ ts: 5, id: 'a' }), key({ ts: 5, id: 'a' }))).toBe(0);
  });

  it('is antisymmetric', () => {
    const a = key({ ts: 5, rank: 1, id: 'a' });
    const b = key({ ts: 5, rank: 0, id: 'z' });
    expect(Math.sign(compareOrder(a, b))).toBe(-Math.sign(compareOrder(b, a)));
  });

  it('treats ids that do not start with the connectionId, or do not parse, as synthesized', () => {
    expect(ablyOrderKey('c2:1:0', 'c', 1, false).serial).toBe(-1);
    expect(ablyOrderKey('cc:1:0', 'c', 1, false).serial).toBe(-1);
    expect(ablyOrderKey('c:x:0', 'c', 1, false).serial).toBe(-1);
    expect(ablyOrderKey('', 'c', 1, false).serial).toBe(-1);
    expect(ablyOrderKey('c:7:3', 'c', 1, false)).toMatchObject({ serial: 7, index: 3 });
  });

  it("reads a msgSerial above MAX_MSG_SERIAL as no serial: an absurd serial cannot win over the connection's later leave", () => {
    expect(ablyOrderKey(`c:${MAX_MSG_SERIAL}:0`, 'c', 1, false).serial).toBe(MAX_MSG_SERIAL);
    const pinned = ablyOrderKey('c:999999999999999:0', 'c', 1000, false);
    expect(pinned.serial).toBe(-1);
    const leave = ablyOrderKey('c:5:0', 'c', 2000, true);
    expect(compareOrder(leave, pinned)).toBeGreaterThan(0);
    expect(ablyOrderKey('c:1:999999999999999', 'c', 1, false).serial).toBe(-1);
  });
});
