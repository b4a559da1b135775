import type { Member, PresenceChange, PresenceEvent, ReportedOccupancy } from './events.js';

/**
 * The plug-in point for where the presence set lives.
 *
 * Contract (proved by the conformance suite in @presence-webhooks/testing):
 * - `apply` merges a batch atomically per channel and returns the effective changes, in input order;
 * - idempotent: applying a batch twice changes nothing the second time and returns no changes;
 * - commutative: any order and any batching of the same events gives the same set;
 * - a stale or duplicate event changes nothing and yields no change;
 * - absent members leave a tombstone for the horizon, so an older event cannot resurrect them.
 */
export interface PresenceStore {
  apply(events: readonly PresenceEvent[]): Promise<PresenceChange[]>;
  /** The present members of a channel, sorted by clientId then connectionId. */
  members(channel: string): Promise<Member[]>;
  /** The channels that have at least one present member, sorted. */
  channels(): Promise<string[]>;
  /** The number of present members of a channel. */
  occupancy(channel: string): Promise<number>;
  /** The newest occupancy the provider reported for a channel (PubNub), if any. */
  reportedOccupancy(channel: string): Promise<ReportedOccupancy | undefined>;
  /** Release connections and timers. */
  close?(): Promise<void>;
}
