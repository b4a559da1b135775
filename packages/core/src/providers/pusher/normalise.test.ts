import { describe, expect, it } from 'vitest';
import { compareOrder } from '../../order-key.js';
import { normalisePusher } from './normalise.js';

const raw = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const run = (value: unknown, bytes = raw(value)) => normalisePusher({ kind: 'json', value }, bytes);

describe('normalisePusher', () => {
  it('member_added / member_removed: member = user, no connectionId, order time_ms then index, id = body digest + index', () => {
    const body = {
      time_ms: 1000,
      events: [
        { name: 'member_added', channel: 'presence-a', user_id: 'u1' },
        { name: 'member_removed', channel: 'presence-a', user_id: 'u2' },
      ],
    };
    const out = run(body);
    expect(out.problems).toEqual([]);
    expect(out.presence.map((e) => [e.memberKey, e.present, e.member, e.reason, e.order.ts, e.order.index])).toEqual([
      ['u1', true, { clientId: 'u1', timestamp: 1000 }, undefined, 1000, 0],
      ['u2', false, { clientId: 'u2', timestamp: 1000 }, 'leave', 1000, 1],
    ]);
    const [a, b] = out.presence;
    expect(a?.order.id.endsWith(':0') && b?.order.id.endsWith(':1')).toBe(true);
    expect(a?.order.id.slice(0, -2)).toBe(b?.order.id.slice(0, -2));
    // A retry (the same bytes) gives the same ids; another body other ids.
    expect(run(body).presence.map((e) => e.order.id)).toEqual(out.presence.map((e) => e.order.id));
    expect(run({ ...body, time_ms: 1001 }).presence[0]?.order.id).not.toBe(a?.order.id);
  });

  it('orders by time_ms, then index; at an equal key member_removed wins', () => {
    const [early, late] = run({
      time_ms: 5,
      events: [
        { name: 'member_removed', channel: 'c', user_id: 'u' },
        { name: 'member_added', channel: 'c', user_id: 'u' },
      ],
    }).presence;
    expect(compareOrder(late!.order, early!.order)).toBeGreaterThan(0);
    const older = run({
      time_ms: 4,
      events: [
        { name: 'member_added', channel: 'c', user_id: 'u' },
        { name: 'member_added', channel: 'c', user_id: 'u' },
      ],
    }).presence[1];
    expect(compareOrder(early!.order, older!.order)).toBeGreaterThan(0);
    const added = run({ time_ms: 9, events: [{ name: 'member_added', channel: 'c', user_id: 'u' }] }).presence[0];
    const removed = run({ time_ms: 9, events: [{ name: 'member_removed', channel: 'c', user_id: 'u' }] }).presence[0];
    expect(compareOrder(removed!.order, added!.order)).toBeGreaterThan(0);
  });

  it('channel_occupied / channel_vacated to channel.active / inactive; other events are ignored, not problems', () => {
    const out = run({
      time_ms: 7,
      events: [
        { name: 'channel_occupied', channel: 'presence-a' },
        { name: 'client_event', channel: 'presence-a', event: 'client-x', data: '{}', user_id: 'u1' },
        { name: 'cache_miss', channel: 'cache-a' },
        { name: 'subscription_count', channel: 'a', subscription_count: 3 },
        { name: 'channel_vacated', channel: 'presence-a' },
      ],
    });
    expect(out).toEqual({
      presence: [],
      channel: [
        { name: 'channel.active', payload: { provider: 'pusher', channel: 'presence-a', timestamp: 7 } },
        { name: 'channel.inactive', payload: { provider: 'pusher', channel: 'presence-a', timestamp: 7 } },
      ],
      problems: [],
    });
  });

  it('a malformed event is an item problem, the rest stands; a body without time_ms / events is a 400', () => {
    const out = run({
      time_ms: 1,
      events: [{ name: 'member_added', channel: 'c' }, null, { name: 'member_added', channel: 'c', user_id: 'ok' }],
    });
    expect(out.presence.map((e) => e.memberKey)).toEqual(['ok']);
    expect(out.problems.map((p) => p.code)).toEqual(['invalid_item', 'invalid_item']);
    expect(() => run({ events: [] })).toThrow(/time_ms/);
    expect(() => run({ time_ms: 1.5, events: [] })).toThrow(/time_ms/);
    expect(() => run({ time_ms: 1 })).toThrow(/events/);
    expect(() => run([1, 2])).toThrow(/JSON object/);
  });
});
