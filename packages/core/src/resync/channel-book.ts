import type { ProviderName, ReportedOccupancy } from '../events.js';
import { BoundedMap } from '../bounded-map.js';

/** What resync knows of one channel, in one record. */
export interface ChannelNotes {
  /** The provider whose events the channel carried. */
  provider: ProviderName;
  /** When the receiver last noted the channel (its clock, ms; to within `SEEN_GRANULARITY_MS`). */
  seenAt: number;
  /** The newest event time seen (a reported figure older than that proves nothing). */
  lastEventAt?: number;
  /** The newest occupancy an `occupancy` event reported (Ably). PubNub's figures ride on its events and live in the store. */
  reported?: ReportedOccupancy;
  /** The time of the last complete snapshot applied: a reported figure older than that is superseded. */
  repairedAt?: number;
}

/** Per-channel notes are kept for at most this many channels (the least recently noted is forgotten first). */
export const MAX_NOTED_CHANNELS = 100_000;

/** `seenAt` is refreshed (and the notes moved to the back) at most this often per channel: a busy channel costs no Map churn per event. */
export const SEEN_GRANULARITY_MS = 1000;

/**
 * The one place resync keeps per-channel state, bounded: channels with dynamic names must not
 * grow it forever. Notes are kept in the order they were last noted, so the ones not noted for a
 * while (`unseenSince`) are at the front. A forgotten channel is looked at again once it has events.
 */
export class ChannelBook {
  private readonly notes: BoundedMap<string, ChannelNotes>;

  constructor(
    private readonly now: () => number,
    limit = MAX_NOTED_CHANNELS,
  ) {
    this.notes = new BoundedMap(limit);
  }

  get size(): number {
    return this.notes.size;
  }

  get(channel: string): ChannelNotes | undefined {
    return this.notes.get(channel);
  }

  /** The channel's notes, created for `provider` when absent (a channel that changes provider starts afresh); it counts as seen now. */
  note(channel: string, provider: ProviderName): ChannelNotes {
    const now = this.now();
    let notes = this.notes.get(channel);
    if (notes === undefined || notes.provider !== provider) {
      notes = { provider, seenAt: now };
      this.notes.delete(channel);
      this.notes.set(channel, notes);
    } else if (now - notes.seenAt >= SEEN_GRANULARITY_MS) {
      this.seen(channel, notes, now);
    }
    return notes;
  }

  /** A complete snapshot of `channel` taken at `time` was applied: a reported figure older than that is superseded. */
  repaired(channel: string, provider: ProviderName, time: number): void {
    const notes = this.note(channel, provider);
    notes.repairedAt = Math.max(time, notes.repairedAt ?? time);
  }

  /** Count the channel as seen now (it is looked at again a full wait later). */
  touch(channel: string): void {
    const notes = this.notes.get(channel);
    if (notes !== undefined) this.seen(channel, notes, this.now());
  }

  /** Up to `max` channels, least recently noted first, not noted since `cutoff` (ms, allowing for the granularity). */
  unseenSince(cutoff: number, max: number): string[] {
    const out: string[] = [];
    for (const [channel, notes] of this.notes.entries()) {
      if (out.length >= max || notes.seenAt + SEEN_GRANULARITY_MS >= cutoff) break;
      out.push(channel);
    }
    return out;
  }

  forget(channel: string): void {
    this.notes.delete(channel);
  }

  private seen(channel: string, notes: ChannelNotes, now: number): void {
    notes.seenAt = now;
    this.notes.delete(channel);
    this.notes.set(channel, notes);
  }
}
