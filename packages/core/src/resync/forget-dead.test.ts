import { describe, expect, it } from 'vitest';
import type { PresenceEvent } from '../events.js';
import { isMemberChange } from '../events.js';
import { MemoryStore } from '../presence/memory-store.js';
import type { Normalised, Provider } from '../providers/provider.js';
import { resolveResyncOptions } from './options.js';
import { Resyncer } from './resyncer.js';
import { planRepair } from './repair.js';

const HORIZON = 60_000;

function event(channel: string, clientId: string, present: boolean, ts: number): PresenceEvent {
  const connectionId = `c-${clientId}`;
  const member = { clientId, connectionId, timestamp: ts };
  const order = { ts, serial: ts, index: 0, rank: present ? 0 : 2, id: `${connectionId}:${ts}:0` };
  return present
    ? { provider: 'ably', channel, memberKey: `${connectionId}:${clientId}`, present, member, order }
    : { provider: 'ably', channel, memberKey: `${connectionId}:${clientId}`, present, reason: 'leave', member, order };
}

/** A MemoryStore and a Resyncer on one controllable clock; `deliver` merges and observes like the receiver does. */
function setup() {
  let now = 1_700_000_000_000;
  const clock = () => now;
  const store = new MemoryStore({ tombstoneHorizonMs: HORIZON, now: clock });
  const ably = { name: 'ably' } as unknown as Provider;
  const errors: Error[] = [];
  const resyncer = new Resyncer(resolveResyncOptions({}), {
    store,
    providers: [ably],
    repair: async (snapshot) => {
      const plan = await planRepair(store, snapshot);
      return { changes: (await store.apply(plan.events, { watermarks: plan.watermarks })).filter(isMemberChange), stored: plan.stored };
    },
    drift: () => undefined,
    progress: () => undefined,
    report: (error) => void errors.push(error),
    now: clock,
  });
  const deliver = async (events: PresenceEvent[]) => {
    await store.apply(events);
    const normalised: Normalised = { presence: events, channel: [], problems: [] };
    resyncer.observe(normalised);
    await resyncer.idle();
  };
  const book = () => resyncer['book'];
  return { store, resyncer, deliver, book, errors, advance: (ms: number) => void (now += ms), now: clock };
}

describe('Resyncer: the notes of a channel the store freed go with it', () => {
  it('a channel whose members all left is forgotten once the store freed it; a channel with members, or noted lately, is kept', async () => {
    const { store, deliver, book, errors, advance, now } = setup();
    await deliver([event('dead', 'alice', true, now()), event('live', 'bob', true, now())]);
    advance(10);
    await deliver([event('dead', 'alice', false, now())]);
    expect(book().size).toBe(2);

    // Within the horizon: nothing is forgotten (tombstones still guard the channel).
    advance(HORIZON / 2);
    await deliver([event('other', 'carol', true, now())]);
    expect(['dead', 'live', 'other'].map((c) => book().get(c) !== undefined)).toEqual([true, true, true]);

    // Past the horizon the store frees 'dead'; the next delivery's pass drops its notes.
    advance(HORIZON);
    store.expire();
    expect(store.channelCount).toBe(2);
    await deliver([event('other', 'dave', true, now())]);
    expect(book().get('dead')).toBeUndefined();
    // 'live' still holds bob: kept (and looked at again a horizon later); 'other' was noted just now.
    expect(book().get('live')?.provider).toBe('ably');
    expect(book().get('other')?.provider).toBe('ably');

    // Once bob leaves and a horizon passes, 'live' goes too.
    await deliver([event('live', 'bob', false, now())]);
    advance(HORIZON + 2000);
    store.expire();
    await deliver([event('other', 'erin', true, now())]);
    expect(book().get('live')).toBeUndefined();
    expect(book().size).toBe(1);
    expect(errors).toEqual([]);
  });

  it('10k dead channels: the book empties with the store', async () => {
    const { store, deliver, book, advance, now } = setup();
    for (let i = 0; i < 10_000; i += 1000) {
      const joins = Array.from({ length: 1000 }, (_, j) => event(`room-${i + j}`, 'a', true, now()));
      await deliver(joins);
      advance(1);
      await deliver(joins.map((e) => event(e.channel, 'a', false, now())));
    }
    expect(book().size).toBe(10_000);
    advance(HORIZON + 2000);
    store.expire();
    expect(store.channelCount).toBe(0);
    // Each pass looks at a bounded batch; passes come with deliveries, at most every quarter horizon.
    for (let pass = 0; pass < 12 && book().size > 0; pass++) {
      advance(HORIZON / 4);
      await deliver([]);
    }
    expect(book().size).toBe(0);
  });
});
