import { describe, expect, it } from 'vitest';
import type { RequestView } from './provider.js';
import { dataNodes, MAX_DATA_DEPTH } from './bounds.js';
import { buildProviders } from './index.js';

const SECRET = 'bounds-test-pusher-secret';

function pusher(now: () => number, maxClockSkewMs?: number) {
  const configured = {
    pusher: { options: { keys: [{ key: 'k', secret: SECRET }] }, restBaseUrl: 'https://api-mt1.pusher.com', restTimeoutMs: 1000 },
    ...(maxClockSkewMs === undefined ? {} : { maxClockSkewMs }),
  };
  return buildProviders(configured, now)[0]!;
}

function normalise(now: () => number, timeMs: number, maxClockSkewMs?: number) {
  const value = { time_ms: timeMs, events: [{ name: 'member_added', channel: 'presence-a', user_id: 'u' }] };
  const request = { body: new TextEncoder().encode(JSON.stringify(value)) } as RequestView;
  return pusher(now, maxClockSkewMs).normalise({ kind: 'json', value }, request);
}

describe('buildProviders: the time bound on the receiver clock it is given', () => {
  const clock = Date.now();
  it('refuses a provider time more than maxClockSkewMs (default 5 minutes) ahead of the injected clock', () => {
    expect(normalise(() => clock, clock + 5 * 60_000).presence).toHaveLength(1);
    const refused = normalise(() => clock, clock + 5 * 60_000 + 1);
    expect(refused.presence).toEqual([]);
    expect(refused.problems[0]?.message).toMatch(/more than maxClockSkewMs \(300000 ms\) ahead/);
    // The same time against a clock an hour later is fine; a smaller skew refuses less.
    expect(normalise(() => clock + 3_600_000, clock + 3_000_000).presence).toHaveLength(1);
    expect(normalise(() => clock, clock + 2000, 1000).presence).toEqual([]);
  });
});

describe('dataNodes', () => {
  it('counts values, stops over the limit, and says Infinity deeper than MAX_DATA_DEPTH', () => {
    expect(dataNodes(undefined, 10)).toBe(0);
    expect(dataNodes({ a: [1, 2, { b: 'x' }] }, 100)).toBe(6);
    expect(
      dataNodes(
        Array.from({ length: 1000 }, () => ({})),
        10,
      ),
    ).toBeGreaterThan(10);
    let deep: unknown = 1;
    for (let i = 1; i < MAX_DATA_DEPTH; i++) deep = [deep];
    expect(dataNodes(deep, 1000)).toBe(MAX_DATA_DEPTH);
    expect(dataNodes([deep], 1000)).toBe(Infinity);
    expect(dataNodes(new Uint8Array(1 << 20), 10)).toBe(1);
  });
});
