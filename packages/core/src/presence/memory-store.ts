import type { Member, PresenceChange, PresenceEvent, ReportedOccupancy } from '../events.js';
import type { PresenceStore } from '../store.js';
import type { MemberState } from './member-state.js';
import { compareMembers, mergeEvent } from './merge.js';
import { TombstoneQueue } from './tombstone-queue.js';

export const DEFAULT_TOMBSTONE_HORIZON_MS = 10 * 60 * 1000;

export interface MemoryStoreOptions {
  /** How long an absent member's tombstone is kept (ms). Default 10 minutes: longer than Ably's 5-minute retry window. */
  tombstoneHorizonMs?: number;
  /** The store's clock (ms). Tests pass their own. */
  now?: () => number;
}

interface ChannelState {
  members: Map<string, MemberState>;
  present: number;
  reported?: ReportedOccupancy;
}

/** The embedded default store: one process, in memory, synchronous merge. */
export class MemoryStore implements PresenceStore {
  readonly tombstoneHorizonMs: number;
  private readonly now: () => number;
  private readonly byChannel = new Map<string, ChannelState>();
  private readonly tombstones = new TombstoneQueue();

  constructor(options: MemoryStoreOptions = {}) {
    const horizon = options.tombstoneHorizonMs ?? DEFAULT_TOMBSTONE_HORIZON_MS;
    if (!(horizon >= 0)) throw new RangeError('tombstoneHorizonMs must be a number >= 0');
    this.tombstoneHorizonMs = horizon;
    this.now = options.now ?? Date.now;
  }

  apply(events: readonly PresenceEvent[]): Promise<PresenceChange[]> {
    return Promise.resolve(this.applySync(events));
  }

  /** The synchronous merge behind `apply`. */
  applySync(events: readonly PresenceEvent[]): PresenceChange[] {
    const now = this.now();
    this.sweep(now);
    const changes: PresenceChange[] = [];
    for (const event of events) {
      let channel = this.byChannel.get(event.channel);
      if (channel === undefined) {
        channel = { members: new Map(), present: 0 };
        this.byChannel.set(event.channel, channel);
      }
      if (event.reported !== undefined && (channel.reported === undefined || event.reported.timestamp >= channel.reported.timestamp)) {
        channel.reported = event.reported;
      }
      const current = channel.members.get(event.memberKey);
      const { next, change } = mergeEvent(current, event, now);
      if (next === undefined) continue;
      channel.members.set(event.memberKey, next);
      channel.present += Number(next.present) - Number(current?.present === true);
      if (!next.present) this.tombstones.push(event.channel, event.memberKey, now);
      if (change !== undefined) changes.push(change);
    }
    return changes;
  }

  /** Collect tombstones older than the horizon. Runs on every apply; call it to free memory sooner. */
  sweep(now: number = this.now()): void {
    this.tombstones.drain(now - this.tombstoneHorizonMs, (channelName, key, storedAt) => {
      const channel = this.byChannel.get(channelName);
      const state = channel?.members.get(key);
      if (channel === undefined || state === undefined || state.present || state.storedAt !== storedAt) return;
      channel.members.delete(key);
      if (channel.members.size === 0 && channel.reported === undefined) this.byChannel.delete(channelName);
    });
  }

  members(channel: string): Promise<Member[]> {
    const members: Member[] = [];
    const state = this.byChannel.get(channel);
    if (state !== undefined) for (const s of state.members.values()) if (s.present) members.push(s.member);
    return Promise.resolve(members.sort(compareMembers));
  }

  channels(): Promise<string[]> {
    const names: string[] = [];
    for (const [name, state] of this.byChannel) if (state.present > 0) names.push(name);
    return Promise.resolve(names.sort());
  }

  occupancy(channel: string): Promise<number> {
    return Promise.resolve(this.byChannel.get(channel)?.present ?? 0);
  }

  reportedOccupancy(channel: string): Promise<ReportedOccupancy | undefined> {
    return Promise.resolve(this.byChannel.get(channel)?.reported);
  }

  /** Member states held, tombstones included (for tests and memory measurements). */
  get size(): number {
    let n = 0;
    for (const state of this.byChannel.values()) n += state.members.size;
    return n;
  }

  close(): Promise<void> {
    this.byChannel.clear();
    this.tombstones.clear();
    return Promise.resolve();
  }
}
