import { describe, expect, it } from 'vitest';
import type { PresenceEvent } from '../events.js';
import { isMemberChange } from '../events.js';
import { MemoryStore } from '../presence/memory-store.js';
import type { Normalised, Provider } from '../providers/provider.js';
import { resolveResyncOptions } from './options.js';
import type { ResyncOptions } from './options.js';
import { Resyncer } from './resyncer.js';
import { planRepair } from './repair.js';

const CHANNELS = 200_000;
const BOUND = 100_000;

function resyncer(resync: ResyncOptions): Resyncer {
  const store = new MemoryStore();
  // An empty, complete snapshot: a repair of a channel holding nobody changes nothing.
  const ably = {
    name: 'ably',
    rest: {
      snapshot: (channel: string) =>
        Promise.resolve({ provider: 'ably' as const, channel, time: Date.now(), events: [], complete: true, problems: [] }),
    },
  } as unknown as Provider;
  return new Resyncer(resolveResyncOptions(resync), {
    store,
    providers: [ably],
    repair: async (snapshot) => {
      const plan = await planRepair(store, snapshot);
      return { changes: (await store.apply(plan.events, { watermarks: plan.watermarks })).filter(isMemberChange), stored: plan.stored };
    },
    drift: () => undefined,
    progress: () => undefined,
    report: (error) => {
      throw error;
    },
    now: () => Date.now(),
  });
}

function delivery(channel: string, ts: number): Normalised {
  const leave: PresenceEvent = {
    provider: 'ably',
    channel,
    memberKey: 'c1:a',
    present: false,
    reason: 'leave',
    member: { clientId: 'a', connectionId: 'c1', timestamp: ts },
    order: { ts, serial: 1, index: 0, rank: 2, id: 'c1:1:0' },
  };
  return {
    presence: [leave],
    channel: [{ name: 'occupancy', payload: { channel, provider: 'ably', occupancy: 0, metrics: { presenceMembers: 0 }, timestamp: ts } }],
    problems: [],
  };
}

/** The sizes of the resyncer's per-channel state (private: read for this test only). */
function sizes(r: Resyncer) {
  return { book: r['book'].size };
}

describe('Resyncer per-channel state', () => {
  it('stays bounded when channels with ever new names come and go (no periodic reconcile: nothing is kept for one)', async () => {
    const r = resyncer({ graceMs: 1 });
    try {
      const ts = Date.now();
      for (let i = 0; i < CHANNELS; i++) r.observe(delivery(`room-${i}`, ts));
      // A repair per channel: each records the time of its complete snapshot.
      for (let i = 0; i < CHANNELS; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => r.resync(`room-${i + j}`)));
      await r.idle();
      const s = sizes(r);
      for (const [name, size] of Object.entries(s)) expect(size, name).toBeLessThanOrEqual(BOUND);
      // The oldest channels are forgotten first; the newest are still known.
      expect(r['book'].get('room-0')).toBeUndefined();
      expect(r['book'].get(`room-${CHANNELS - 1}`)?.provider).toBe('ably');
      expect(r['book'].get(`room-${CHANNELS - 1}`)?.repairedAt).toBeTypeOf('number');
    } finally {
      r.close();
    }
  }, 60_000);
});
