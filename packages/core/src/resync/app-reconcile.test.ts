import { describe, expect, it } from 'vitest';
import type { PresenceEvent, ProviderName } from '../events.js';
import { MemoryStore } from '../presence/memory-store.js';
import type { Provider, SnapshotAllResult } from '../providers/provider.js';
import { resolveResyncOptions } from './options.js';
import { Resyncer } from './resyncer.js';

/** A MemoryStore that counts the reads a reconcile makes to find the channels and their owners. */
class CountingStore extends MemoryStore {
  channelReads = 0;
  readonly memberReads = new Map<string, number>();
  override channels(): Promise<string[]> {
    this.channelReads++;
    return super.channels();
  }
  override members(channel: string) {
    this.memberReads.set(channel, (this.memberReads.get(channel) ?? 0) + 1);
    return super.members(channel);
  }
}

function join(provider: ProviderName, channel: string, clientId: string, connectionId: string | undefined, ts: number): PresenceEvent {
  const memberKey = connectionId === undefined ? clientId : `${connectionId}:${clientId}`;
  return {
    provider,
    channel,
    memberKey,
    present: true,
    member: connectionId === undefined ? { clientId, timestamp: ts } : { clientId, connectionId, timestamp: ts },
    order: { ts, serial: -1, index: -1, rank: 0, id: `${memberKey}:${ts}` },
  };
}

/** A provider whose whole-app snapshot lists nothing and records the store's channels it was handed. */
function provider(name: ProviderName, handed: Map<ProviderName, string[]>): Provider {
  return {
    name,
    rest: {
      timeoutMs: 1000,
      snapshot: () => Promise.reject(new Error('not called here')),
      snapshotAll: (known: readonly string[]): Promise<SnapshotAllResult> => {
        handed.set(name, [...known]);
        return Promise.resolve({ listed: 0, failures: [], complete: true });
      },
    },
  } as unknown as Provider;
}

describe('the whole-app reconcile', () => {
  it("reads the store's channels once per run and works out each channel's owner once, for every provider", async () => {
    const store = new CountingStore();
    const ts = Date.now() - 2 * 60_000;
    // Stored but never seen in a delivery by this instance (a restart): owners come from the members.
    await store.apply([
      join('ably', 'ably-1', 'a', 'conn-a', ts),
      join('ably', 'ably-2', 'b', 'conn-b', ts),
      join('pubnub', 'pubnub-1', 'u1', undefined, ts),
      join('pubnub', 'pubnub-2', 'u2', undefined, ts),
      // Connections and users in one channel: no provider fits every member, the channel is left alone.
      join('ably', 'mixed', 'c', 'conn-c', ts),
      join('pubnub', 'mixed', 'u3', undefined, ts),
    ]);
    const handed = new Map<ProviderName, string[]>();
    const resyncer = new Resyncer(resolveResyncOptions({}), {
      store,
      providers: [provider('ably', handed), provider('pubnub', handed)],
      repair: () => Promise.reject(new Error('no snapshot here')),
      drift: () => undefined,
      progress: () => undefined,
      report: (error) => {
        throw error;
      },
      now: () => Date.now(),
    });
    try {
      const result = await resyncer.reconcile();
      expect(result.ranHere).toBe(true);
      expect(handed.get('ably')).toEqual(['ably-1', 'ably-2']);
      expect(handed.get('pubnub')).toEqual(['pubnub-1', 'pubnub-2']);
      expect(store.channelReads).toBe(1);
      expect(Object.fromEntries(store.memberReads)).toEqual({ 'ably-1': 1, 'ably-2': 1, mixed: 1, 'pubnub-1': 1, 'pubnub-2': 1 });
    } finally {
      resyncer.close();
    }
  });
});
