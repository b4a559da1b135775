import { describe, expect, it } from 'vitest';
import type { PresenceEvent } from '../events.js';
import { MemoryStore } from '../presence/memory-store.js';
import type { Normalised } from '../providers/provider.js';
import { resolveResyncOptions } from './options.js';
import type { ResyncOptions } from './options.js';
import { Resyncer } from './resyncer.js';

const CHANNELS = 200_000;
const BOUND = 100_000;

function resyncer(resync: ResyncOptions): Resyncer {
  const store = new MemoryStore();
  return new Resyncer({
    options: resolveResyncOptions(resync),
    // An empty, complete snapshot: a repair of a channel holding nobody changes nothing.
    sources: { ably: (channel) => Promise.resolve({ provider: 'ably', channel, time: Date.now(), events: [], complete: true, problems: [] }) },
    providers: ['ably'],
    store,
    enqueue: (job) => job(),
    emitChanges: () => Promise.resolve(),
    emitDrift: () => undefined,
    report: (error) => {
      throw error;
    },
    now: () => Date.now(),
  });
}

function delivery(channel: string, ts: number): Normalised {
  const leave: PresenceEvent = { provider: 'ably', channel, memberKey: 'c1:a', present: false, reason: 'leave', member: { clientId: 'a', connectionId: 'c1', timestamp: ts }, order: { ts, serial: 1, index: 0, rank: 2, id: 'c1:1:0' } };
  return { presence: [leave], channel: [{ name: 'occupancy', payload: { channel, provider: 'ably', occupancy: 0, metrics: { presenceMembers: 0 }, timestamp: ts } }], problems: [] };
}

/** The sizes of the resyncer's per-channel state (private: read for this test only). */
function sizes(r: Resyncer) {
  return { providerOf: r['providerOf'].size, lastEventAt: r['lastEventAt'].size, reported: r['reported'].size, repairedAt: r['repairedAt'].size, touched: r['touched'].size };
}

describe('Resyncer per-channel state', () => {
  it('stays bounded when channels with ever new names come and go (no periodic sweep: nothing is kept for one)', async () => {
    const r = resyncer({ graceMs: 1 });
    try {
      const ts = Date.now();
      for (let i = 0; i < CHANNELS; i++) r.observe(delivery(`room-${i}`, ts));
      // A repair per channel: each records the time of its complete snapshot.
      for (let i = 0; i < CHANNELS; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => r.resync(`room-${i + j}`)));
      await r.idle();
      const s = sizes(r);
      expect(s.touched).toBe(0);
      for (const [name, size] of Object.entries(s)) expect(size, name).toBeLessThanOrEqual(BOUND);
      // The oldest channels are forgotten first; the newest are still known.
      expect(r['providerOf'].get('room-0')).toBeUndefined();
      expect(r['providerOf'].get(`room-${CHANNELS - 1}`)).toBe('ably');
      expect(r['repairedAt'].get(`room-${CHANNELS - 1}`)).toBeTypeOf('number');
    } finally {
      r.close();
    }
  }, 60_000);
});
