import type { PresenceEvent, ProviderName } from '../events.js';

/** What a provider's REST API says is present in a channel, as events the store's merge understands. */
export interface Snapshot {
  provider: ProviderName;
  channel: string;
  /**
   * The time the snapshot stands for (ms). A stored member missing from it and older than this
   * leaves; anything newer (delivered while the request was in flight) wins the merge.
   */
  time: number;
  /** The listed members, each carrying its own order key (Ably: id and timestamp; PubNub: the snapshot time). */
  events: PresenceEvent[];
  /** False when the provider counted more members than it listed: then no leave is inferred. */
  complete: boolean;
  /** Listed items that could not be decoded (they are left out; reported to onError). */
  problems: Error[];
}

/** Fetches one channel's snapshot. `signal` aborts it (the receiver closed). */
export type SnapshotSource = (channel: string, signal?: AbortSignal) => Promise<Snapshot>;
