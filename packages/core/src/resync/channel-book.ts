import type { ProviderName, ReportedOccupancy } from '../events.js';
import { BoundedMap } from './bounded-map.js';

/** What resync knows of one channel, in one record. */
export interface ChannelNotes {
  /** The provider whose events the channel carried. */
  provider: ProviderName;
  /** The newest event time seen (a reported figure older than that proves nothing). */
  lastEventAt?: number;
  /** The newest occupancy an `occupancy` event reported (Ably). PubNub's figures ride on its events and live in the store. */
  reported?: ReportedOccupancy;
  /** The time of the last complete snapshot applied: a reported figure older than that is superseded. */
  repairedAt?: number;
}

/** Per-channel notes are kept for at most this many channels (the oldest is forgotten first). */
export const MAX_NOTED_CHANNELS = 100_000;

/**
 * The one place resync keeps per-channel state, bounded: channels with dynamic names must not
 * grow it forever. A forgotten channel is looked at again once it has events.
 */
export class ChannelBook {
  private readonly notes: BoundedMap<string, ChannelNotes>;

  constructor(limit = MAX_NOTED_CHANNELS) {
    this.notes = new BoundedMap(limit);
  }

  get size(): number {
    return this.notes.size;
  }

  get(channel: string): ChannelNotes | undefined {
    return this.notes.get(channel);
  }

  /** The channel's notes, created for `provider` when absent (a channel that changes provider starts afresh). */
  note(channel: string, provider: ProviderName): ChannelNotes {
    let notes = this.notes.get(channel);
    if (notes === undefined || notes.provider !== provider) {
      notes = { provider };
      this.notes.set(channel, notes);
    }
    return notes;
  }

  forget(channel: string): void {
    this.notes.delete(channel);
  }
}
