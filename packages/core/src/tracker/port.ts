import type { TypedEmitter } from '../emitter.js';
import type { Change, ProviderName } from '../events.js';
import type { StatsCounter } from '../observe/stats.js';
import type { PresenceStore } from '../store.js';
import type { Delivery } from './delivery.js';

/** What the tracker needs from the receiver that composes it. */
export interface TrackerPort {
  store: PresenceStore;
  emitter: TypedEmitter;
  counter: StatsCounter;
  report(error: Error): void;
  now(): number;
  /** The receiver, as the diagnostics channels name it. */
  owner: object;
  retry: { attempts: number; baseDelayMs: number };
  /** Told of each merged delivery (resync notes: providers, reported figures). */
  merged?(delivery: Delivery, changes: readonly Change[]): void;
  /** A delivery the store could not take after its retries: these channels (of this provider) need a repair. */
  lost?(provider: ProviderName, channels: readonly string[]): void;
}
