import { describe, expect, it } from 'vitest';
import type { Change, PresenceEvent } from '../events.js';
import { MemoryStore } from '../presence/memory-store.js';
import type { ApplyOptions } from '../store.js';
import { resolveTrackerOptions } from './options.js';
import { storeCapabilities } from './store-capabilities.js';

const can = (store: MemoryStore) => storeCapabilities(store, resolveTrackerOptions({}));

describe('storeCapabilities: the trusted merge (MemoryStore, the options the tracker built not checked again)', () => {
  it("is MemoryStore's own", () => {
    expect(can(new MemoryStore())).toMatchObject({ synchronous: true, trusted: true });
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
    expect(can(new Wrapped())).toMatchObject({ synchronous: true, trusted: false });
  });

  it('is not taken when only apply is overridden (the store is not synchronous then)', () => {
    class Async extends MemoryStore {
      override apply(events: readonly PresenceEvent[], options?: ApplyOptions): Promise<Change[]> {
        return super.apply(events, options);
      }
    }
    expect(can(new Async())).toMatchObject({ synchronous: false, trusted: false });
  });
});
