import type { Member, ReportedOccupancy } from '../events.js';
import type { MemberRecord } from './member-record.js';
import { compareMembers } from './merge.js';
import { TimeQueue } from './time-queue.js';

/**
 * A channel's records. Members are indexed by connectionId when they have one (the string the
 * record keeps anyway, so the index costs no key string), else by member key (PubNub: the uuid).
 * The rare second clientId on one connection goes to `overflow`, indexed by member key.
 */
export interface ChannelState {
  members: Map<string, MemberRecord>;
  overflow?: Map<string, MemberRecord>;
  present: number;
  /** The most records `members` held since it was built: a Map keeps its capacity when emptied. */
  peak: number;
  reported?: ReportedOccupancy;
  /** The channel's watermark (ApplyOptions) and when it was last written (store clock). */
  watermark?: number;
  watermarkAt?: number;
}

/**
 * A tombstone to collect: the record, and where it is held (its channel, which of the channel's
 * maps, and its key). The map is looked up at collection time, so the channels may rebuild their maps.
 */
export interface Tombstone {
  channel: string;
  overflow: boolean;
  key: string;
  /** null: a watermark write (its channel is freed then if nothing else holds it). */
  record: MemberRecord | null;
}

/** A channel holding nothing yet. */
export function emptyChannel(): ChannelState {
  return { members: new Map(), present: 0, peak: 0 };
}

/** A channel's members map is rebuilt once collection leaves it at most half as full as its peak (past this size). */
const REBUILD_ABOVE = 16;

/**
 * MemoryStore's channels: each one's member records (present, or tombstones kept for the horizon)
 * and the queue, in write order, of the tombstones and watermark writes to expire. Expiry frees a
 * channel once it holds no member state and no watermark written within the horizon.
 */
export class MemoryChannels {
  /**
   * The channels by name. The merge (MemoryStore.applySync) looks records up and queues tombstones
   * directly, not through a method: a call per event costs measurably on that path.
   */
  readonly byChannel = new Map<string, ChannelState>();
  /**
   * Tombstones and watermark writes in the order they were made. A `null` record is a watermark
   * write: its channel is freed then if it holds no member state and no newer watermark write.
   */
  readonly tombstones = new TimeQueue<Tombstone>();

  constructor(private readonly horizonMs: number) {}

  get(name: string): ChannelState | undefined {
    return this.byChannel.get(name);
  }

  /** The channel's state, created empty when it holds none. */
  private open(name: string): ChannelState {
    let state = this.byChannel.get(name);
    if (state === undefined) this.byChannel.set(name, (state = emptyChannel()));
    return state;
  }

  /** Set each channel's watermark (the newest one stays), written at `now`: it holds the channel for the horizon. */
  setWatermarks(marks: ReadonlyMap<string, number>, now: number): void {
    for (const [name, time] of marks) {
      const state = this.open(name);
      if (state.watermark === undefined || time > state.watermark) state.watermark = time;
      state.watermarkAt = now;
      this.tombstones.push({ channel: name, overflow: false, key: '', record: null }, now);
    }
  }

  /** Collect the tombstones and watermark writes older than the horizon, freeing the channels left holding nothing. */
  expire(now: number): void {
    const cutoff = now - this.horizonMs;
    this.tombstones.drain(cutoff, (tombstone) => this.collect(tombstone, cutoff));
  }

  private collect({ channel: name, overflow, key, record }: Tombstone, cutoff: number): void {
    const channel = this.byChannel.get(name);
    if (channel === undefined) return;
    if (record === null) {
      // A watermark write: free the channel if nothing else holds it.
      if (channel.members.size === 0 && channel.overflow === undefined && (channel.watermarkAt as number) <= cutoff)
        this.byChannel.delete(name);
      return;
    }
    const map = overflow ? channel.overflow : channel.members;
    if (map === undefined || map.get(key) !== record) return; // replaced by a newer state since
    map.delete(key);
    if (channel.overflow?.size === 0) delete channel.overflow;
    // No member state left: the channel goes, whatever figures it carried (its reported occupancy),
    // unless a watermark written within the horizon holds it (its own queue entry frees it later).
    if (
      channel.members.size === 0 &&
      channel.overflow === undefined &&
      (channel.watermarkAt === undefined || channel.watermarkAt <= cutoff)
    ) {
      this.byChannel.delete(name);
    } else if (channel.members.size > REBUILD_ABOVE && channel.members.size * 2 <= channel.peak) {
      // Give back the capacity of the members that left (amortised O(1) per collected tombstone).
      channel.members = new Map(channel.members);
      channel.peak = channel.members.size;
    }
  }

  /** The present member records of a channel, unordered. */
  presentRecords(name: string): MemberRecord[] {
    const records: MemberRecord[] = [];
    const state = this.byChannel.get(name);
    if (state !== undefined) {
      for (const record of state.members.values()) if (record.present) records.push(record);
      if (state.overflow !== undefined) for (const record of state.overflow.values()) if (record.present) records.push(record);
    }
    return records;
  }

  /** The present members of a channel, in the stores' order. */
  members(name: string): Member[] {
    return this.presentRecords(name)
      .map((record) => record.member)
      .sort(compareMembers);
  }

  /** The channels with a present member, sorted. */
  names(): string[] {
    const names: string[] = [];
    for (const [name, state] of this.byChannel) if (state.present > 0) names.push(name);
    return names.sort();
  }

  /** Member states held, tombstones included. */
  get recordCount(): number {
    let n = 0;
    for (const state of this.byChannel.values()) n += state.members.size + (state.overflow?.size ?? 0);
    return n;
  }

  /** Channels held, empty ones awaiting collection included. */
  get size(): number {
    return this.byChannel.size;
  }

  /** Tombstones and watermark writes waiting for the horizon. */
  get queuedCount(): number {
    return this.tombstones.length;
  }

  clear(): void {
    this.byChannel.clear();
    this.tombstones.clear();
  }
}
