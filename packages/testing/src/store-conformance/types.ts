import type { PresenceStore } from '@presence-webhooks/core';

export interface StoreFactoryOptions {
  /** The tombstone horizon the store must use (ms). */
  tombstoneHorizonMs: number;
  /**
   * A name for the presence state: two stores opened with the same namespace must share one
   * state (two receiver instances on one Redis); different namespaces must not see each other.
   */
  namespace: string;
  /** The change feed's retention the store must use (ms), when a case sets one (the expiry case: 50 ms). */
  feedRetainMs?: number;
}

/** Opens a store for the suite. The suite calls `close()` on every store it opened. */
export type StoreFactory = (options: StoreFactoryOptions) => PresenceStore | Promise<PresenceStore>;

export interface StoreConformanceOptions {
  /** fast-check runs per property (default 40; the concurrency property runs half as many). */
  numRuns?: number;
  /** fast-check seed, to replay a failure. */
  seed?: number;
  /** The horizon of the tombstone-expiry case (default 300 ms): the case waits past it. */
  shortHorizonMs?: number;
  /** The horizon of every other case (default 10 minutes). */
  horizonMs?: number;
  /**
   * Leave out the cases of a part of the contract the store does not implement (yet): 'users' (user-level
   * presence), 'feed' (the change feed). A store that claims either must pass its cases.
   */
  skip?: readonly ('users' | 'feed')[];
}

/** One case of the suite: run it with any test runner (`it(c.name, c.run)`); it throws on failure. */
export interface StoreConformanceCase {
  name: string;
  run(): Promise<void>;
}
