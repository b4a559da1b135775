import { describe, expect, it } from 'vitest';
import type { PresenceEventMap, PresenceEventName } from '../events.js';
import { MemoryStore } from '../presence/memory-store.js';
import { Inspector } from './inspector.js';

describe('Inspector drift figures', () => {
  it('a complete resync of a channel clears the figure a drift noted (the row stops showing drift)', () => {
    const handlers = new Map<PresenceEventName, (event: never) => void>();
    const inspector = new Inspector(
      {
        store: new MemoryStore(),
        stats: () => {
          throw new Error('not read here');
        },
        resync: () => Promise.reject(new Error('not called here')),
        on: (name, handler) => {
          handlers.set(name, handler as (event: never) => void);
          return () => undefined;
        },
        report: () => undefined,
      },
      { token: 'inspector-token-for-the-unit-test' },
    );
    const drift: PresenceEventMap['drift'] = { provider: 'ably', channel: 'room-1', reported: 15, stored: 16, timestamp: Date.now() };
    (handlers.get('drift') as (event: PresenceEventMap['drift']) => void)(drift);
    const noted = (inspector as unknown as { noted: Map<string, unknown> }).noted;
    expect(noted.has('room-1')).toBe(true);
    inspector.notify({ type: 'resync', provider: 'ably', channel: 'room-1', outcome: 'incomplete', changes: 0 });
    expect(noted.has('room-1')).toBe(true);
    inspector.notify({ type: 'resync', provider: 'ably', channel: 'room-1', outcome: 'complete', changes: 0 });
    expect(noted.has('room-1')).toBe(false);
    inspector.close();
  });
});
