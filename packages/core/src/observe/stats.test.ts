import { describe, expect, it } from 'vitest';
import type { PresenceChange, PresenceEvent } from '../events.js';
import { deliveryKey, StatsCounter } from './stats.js';

function event(id: string, ts: number): PresenceEvent {
  return {
    provider: 'ably',
    channel: 'room',
    memberKey: 'c:a',
    present: true,
    member: { clientId: 'a', connectionId: 'c', timestamp: ts },
    order: { ts, serial: -1, index: 0, rank: 0, id },
  };
}
const join: PresenceChange = { type: 'join', provider: 'ably', channel: 'room', member: { clientId: 'a', timestamp: 1 } };

describe('StatsCounter', () => {
  it('tells accepted, duplicate and stale deliveries apart, and counts effective changes', () => {
    const stats = new StatsCounter();
    expect(stats.merged('ably', [event('x', 2)], [join])).toBe('accepted');
    expect(stats.merged('ably', [event('x', 2)], [])).toBe('duplicate');
    expect(stats.merged('ably', [event('w', 1)], [])).toBe('stale');
    expect(stats.merged('pubnub', [], [])).toBe('accepted'); // channel events only
    stats.rejected('unauthorized');
    stats.rejected('unauthorized');
    const snapshot = stats.snapshot(3);
    expect(snapshot.deliveries).toEqual({
      ably: { accepted: 1, rejected: 0, duplicate: 1, stale: 1 },
      pubnub: { accepted: 1, rejected: 0, duplicate: 0, stale: 0 },
      pusher: { accepted: 0, rejected: 0, duplicate: 0, stale: 0 },
      unknown: { accepted: 0, rejected: 2, duplicate: 0, stale: 0 },
    });
    expect(snapshot.rejections).toEqual({ unauthorized: 2 });
    expect(snapshot.effectiveEvents).toEqual({ join: 1, update: 0, leave: 0 });
    expect(snapshot.queueDepth).toBe(3);
  });

  it('remembers a bounded number of deliveries: an old duplicate counts as stale', () => {
    const stats = new StatsCounter(2);
    stats.merged('ably', [event('a', 1)], [join]);
    stats.merged('ably', [event('b', 2)], [join]);
    stats.merged('ably', [event('c', 3)], [join]);
    expect(stats.merged('ably', [event('a', 1)], [])).toBe('stale');
    expect(stats.merged('ably', [event('c', 3)], [])).toBe('duplicate');
  });

  it('keys a delivery by its size and its first and last events, whatever its length', () => {
    const many = Array.from({ length: 1000 }, (_, i) => event(`id-${i}`, i));
    expect(deliveryKey(many)).toBe(deliveryKey([...many]));
    expect(deliveryKey(many)).not.toBe(deliveryKey(many.slice(1)));
    expect(deliveryKey(many)).not.toBe(deliveryKey(many.slice(0, -1)));
    expect(deliveryKey([])).toBe('');
  });

  it('remembers what is bounded: a short key as it is, a long one (a 1 MiB id) as a digest of a fixed size', () => {
    const huge = event('x'.repeat(1 << 20), 1);
    expect(deliveryKey([huge])).toMatch(/^#[A-Za-z0-9_-]{22}$/);
    expect(deliveryKey([huge])).not.toBe(deliveryKey([event('x', 1)]));
    expect(deliveryKey([event('x', 1)]).length).toBeLessThanOrEqual(160);
  });

  it('returns a snapshot the caller cannot change the counters through', () => {
    const stats = new StatsCounter();
    stats.resynced('ably', 'failed');
    stats.drifted('pubnub');
    const first = stats.snapshot(0);
    first.deliveries.ably.accepted = 99;
    first.resyncs.ably.failed = 99;
    const second = stats.snapshot(0);
    expect(second.deliveries.ably.accepted).toBe(0);
    expect(second.resyncs).toEqual({
      ably: { complete: 0, incomplete: 0, failed: 1 },
      pubnub: { complete: 0, incomplete: 0, failed: 0 },
      pusher: { complete: 0, incomplete: 0, failed: 0 },
    });
    expect(second.drift).toEqual({ ably: 0, pubnub: 1, pusher: 0 });
  });
});
