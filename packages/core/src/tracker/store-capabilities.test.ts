import { describe, expect, it } from 'vitest';
import { ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import type { Change, PresenceEvent } from '../events.js';
import { MemoryStore } from '../presence/memory-store.js';
import { createReceiver } from '../receiver.js';
import type { ApplyOptions } from '../store.js';
import { resolveTrackerOptions } from './options.js';
import { storeCapabilities } from './store-capabilities.js';

const can = (store: MemoryStore) => storeCapabilities(store, resolveTrackerOptions({}));

describe('storeCapabilities: the trusted merge (MemoryStore, the options the tracker built not checked again)', () => {
  it("is MemoryStore's own", () => {
    expect(can(new MemoryStore())).toMatchObject({ synchronous: true, trusted: MemoryStore.prototype.applySync });
  });

  it("is not taken past a subclass's own applySync (the receiver calls that one)", () => {
    class Wrapped extends MemoryStore {
      override apply(events: readonly PresenceEvent[], options?: ApplyOptions): Promise<Change[]> {
        return super.apply(events, options);
      }
      override applySync(events: readonly PresenceEvent[], options?: ApplyOptions): Change[] {
        return super.applySync(events, options);
      }
    }
    expect(can(new Wrapped())).toMatchObject({ synchronous: true, trusted: undefined });
  });

  it('is not taken when only apply is overridden (the store is not synchronous then)', () => {
    class Async extends MemoryStore {
      override apply(events: readonly PresenceEvent[], options?: ApplyOptions): Promise<Change[]> {
        return super.apply(events, options);
      }
    }
    expect(can(new Async())).toMatchObject({ synchronous: false, trusted: undefined });
  });

  it('gives way to an applySync put on the store after the receiver was made (a spy or a wrapper is called, and can refuse)', async () => {
    const KEY = 'capsApp.key1:caps-secret';
    const store = new MemoryStore();
    const receiver = createReceiver({ ably: { keys: [KEY] }, store, onError: () => undefined });
    const prototypeSync = store.applySync.bind(store);
    const calls: number[] = [];
    let refuse = true;
    store.applySync = (events, options) => {
      calls.push(events.length);
      if (refuse) {
        refuse = false;
        throw new Error('refused once by the wrapper');
      }
      return prototypeSync(events, options);
    };
    const joined: string[] = [];
    receiver.on('join', (event) => void joined.push(event.member.clientId));
    const at = Date.now() - 60_000;
    const enter = { id: 'c1:0:0', clientId: 'alice', connectionId: 'c1', action: 2, timestamp: at };
    const request = ablyBatchRequest([ablyPresenceItem('room', [enter])], { key: KEY });
    expect((await receiver.handle({ method: 'POST', headers: request.headers, body: request.body })).status).toBe(200);
    await receiver.idle();
    await receiver.close();
    // The wrapper was called with the delivery's event and refused it: the delivery was queued and merged after.
    expect(calls[0]).toBe(1);
    expect(joined).toEqual(['alice']);
  });
});
