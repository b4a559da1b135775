import type { Member, PresenceChange, PresenceEvent, ReportedOccupancy } from './events.js';

/** How long a store keeps an absent member's tombstone by default (ms): longer than Ably's 5-minute retry window. */
export const DEFAULT_TOMBSTONE_HORIZON_MS = 10 * 60 * 1000;

/** A channel's watermark: the time (ms, the providers' clock) of a complete snapshot applied to it. */
export interface ChannelWatermark {
  channel: string;
  time: number;
}

export interface ApplyOptions {
  /**
   * Raise these channels' watermarks (to the larger of the held one and `time`), atomically with the
   * batch and after it is merged: the batch is a complete snapshot of each channel taken at `time`.
   * From then on an event of the channel with `order.ts` below the watermark, for a member the store
   * holds no state for (no present record, no tombstone), is stale: no join, no change. Members the
   * store holds state for merge as before. The batch's own events of a channel listed here with a
   * `time` at or above the held watermark are not checked against any watermark (they are the newer
   * truth); events of other channels are checked against the held watermarks as usual.
   */
  watermarks?: readonly ChannelWatermark[];
}

/** A held lease (see `PresenceStore.lease`). */
export interface Lease {
  /** The fencing token: strictly increasing per lease name, across the fleet. */
  readonly token: number;
  /** Extend the lease by its ttl from now; false when it is no longer this holder's (it expired and was taken). */
  renew(): Promise<boolean>;
  /** Give the lease up; `done: true` records, at store time, that the work finished. No effect once the lease is not this holder's. */
  release(done: boolean): Promise<void>;
}

export interface LeaseStatus {
  /** Someone holds the lease now (it has not expired). */
  held: boolean;
  /** When the last holder that finished released with `done: true` (store time, ms). */
  doneAt?: number;
  /** That holder's token. */
  doneToken?: number;
}

/** One holder at a time per name, across every instance sharing the store. */
export interface LeaseCapability {
  /** The lease for `ttlMs`, or undefined when another holder has it. */
  acquire(name: string, ttlMs: number): Promise<Lease | undefined>;
  status(name: string): Promise<LeaseStatus>;
}

/**
 * The plug-in point for where the presence set lives.
 *
 * Contract (proved by the conformance suite in @presence-webhooks/testing):
 * - `apply` merges a batch atomically per channel and returns the effective changes, in input order;
 * - idempotent: applying a batch twice changes nothing the second time and returns no changes;
 * - commutative: any order and any batching of the same events gives the same set;
 * - a stale or duplicate event changes nothing and yields no change;
 * - absent members leave a tombstone for the horizon, so an older event cannot resurrect them;
 * - a channel's watermark (`ApplyOptions.watermarks`) makes older events for members it holds no
 *   state for stale; it lives as long as the channel's state (freed with an empty channel after the horizon).
 */
export interface PresenceStore {
  apply(events: readonly PresenceEvent[], options?: ApplyOptions): Promise<PresenceChange[]>;
  /** The present members of a channel, sorted by clientId then connectionId. */
  members(channel: string): Promise<Member[]>;
  /** The channels that have at least one present member, sorted. */
  channels(): Promise<string[]>;
  /** The number of present members of a channel. */
  occupancy(channel: string): Promise<number>;
  /** The newest occupancy the provider reported for a channel (PubNub), if any. */
  reportedOccupancy(channel: string): Promise<ReportedOccupancy | undefined>;
  /** The channel's watermark (see `ApplyOptions`), if it holds one. */
  watermark?(channel: string): Promise<number | undefined>;
  /**
   * How long an absent member's tombstone is kept (ms; default DEFAULT_TOMBSTONE_HORIZON_MS): a channel
   * with no member left is freed this long after its last change, and the receiver's resync notes of it with it.
   */
  readonly tombstoneHorizonMs?: number;
  /** A lease, so that one instance of a fleet sharing this store does a piece of work at a time (whole-app reconcile). */
  lease?: LeaseCapability;
  /** Release connections and timers. */
  close?(): Promise<void>;
}
