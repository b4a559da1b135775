import { describe, expect, it } from 'vitest';
import type { PresenceEvent } from '../events.js';
import { PartialApplyError } from '../store.js';
import type { Delivery } from './delivery.js';
import { byChannel, mergeEach, SPLIT_PROBES } from './delivery.js';
import { planDelivery } from './delivery-merger.js';

function event(channel: string, clientId: string): PresenceEvent {
  const at = Date.now() - 60_000;
  return {
    provider: 'ably',
    channel,
    memberKey: `${clientId}c:${clientId}`,
    present: true,
    member: { clientId, connectionId: `${clientId}c`, timestamp: at },
    order: { ts: at, serial: 0, index: 0, rank: 0, id: `${clientId}c:0:0` },
  } as PresenceEvent;
}

function delivery(channels: string[]): Delivery {
  return {
    provider: 'ably',
    presence: channels.flatMap((c) => [event(c, `${c}-1`), event(c, `${c}-2`)]),
    channel: channels.map(
      (c) => ({ name: 'occupancy', payload: { provider: 'ably', channel: c, occupancy: 2 } }) as Delivery['channel'][number],
    ),
    problems: [],
  };
}

const channelsOf = (d: Delivery) => [...new Set(d.presence.map((e) => e.channel))];

describe('byChannel', () => {
  it('splits a delivery by channel in first-seen order, each part with its presence and channel events in order', () => {
    const parts = byChannel(delivery(['b', 'a', 'c']));
    expect(parts.map(channelsOf)).toEqual([['b'], ['a'], ['c']]);
    expect(parts[1]?.presence.map((e) => e.member.clientId)).toEqual(['a-1', 'a-2']);
    expect(parts[1]?.channel.map((e) => e.payload.channel)).toEqual(['a']);
    expect(byChannel(delivery(['b', 'a', 'c']), new Set(['c'])).map(channelsOf)).toEqual([['c']]);
  });
});

describe('mergeEach', () => {
  it('applies the other channels when one fails, and leaves only the failing one', async () => {
    const merged: string[][] = [];
    const { failed, cause } = await mergeEach([delivery(['a', 'bad', 'c'])], async (d) => {
      if (channelsOf(d).includes('bad')) throw new Error('WRONGTYPE');
      merged.push(channelsOf(d));
    });
    expect(merged).toEqual([['a'], ['c']]);
    expect(failed.map(channelsOf)).toEqual([['bad']]);
    expect((cause as Error).message).toBe('WRONGTYPE');
  });

  it('does not split when the store says it cannot answer at all', async () => {
    let calls = 0;
    const unavailable = Object.assign(new Error('down'), { code: 'store_unavailable' });
    const { failed } = await mergeEach([delivery(['a', 'b', 'c'])], async () => {
      calls++;
      throw unavailable;
    });
    expect(calls).toBe(1);
    expect(failed.map(channelsOf)).toEqual([['a', 'b', 'c']]);
  });

  it(`is bounded when every channel fails: ${SPLIT_PROBES} tried alone, then the rest left together untried`, async () => {
    const channels = Array.from({ length: 1000 }, (_, i) => `room-${i}`);
    let calls = 0;
    const { failed } = await mergeEach([delivery(channels)], async () => {
      calls++;
      throw new Error('MISCONF');
    });
    expect(calls).toBe(1 + SPLIT_PROBES);
    expect(failed).toHaveLength(SPLIT_PROBES + 1);
    expect(failed.flatMap(channelsOf)).toEqual(channels);
  });

  it('keeps only the channels a PartialApplyError names, without trying again now', async () => {
    let calls = 0;
    const { failed } = await mergeEach([delivery(['a', 'b', 'c'])], async () => {
      calls++;
      throw new PartialApplyError([], ['b'], new Error('WRONGTYPE'));
    });
    expect(calls).toBe(1);
    expect(failed.map(channelsOf)).toEqual([['b']]);
  });
});

describe('planDelivery', () => {
  it('puts channel notices in the apply options only when the store has a feed, and bounds time unless maxEventAgeMs is Infinity', () => {
    const d: Delivery = {
      ...delivery(['a']),
      channel: [{ name: 'channel.active', payload: { provider: 'ably', channel: 'a', timestamp: 1 } } as Delivery['channel'][number]],
    };
    expect(planDelivery(d, true, 1000, 100).options).toEqual({
      staleBefore: 900,
      notices: [{ type: 'channel.active', provider: 'ably', channel: 'a', timestamp: 1 }],
    });
    expect(planDelivery(d, false, 1000, Infinity)).toMatchObject({ options: {}, local: d.channel, apply: true });
  });
});
