import type { TruthMember } from './ably-history.js';
import { sortMembers } from './ably-history.js';
import type { PubNubChannelStatus, PubNubMemberAction } from './pubnub-builders.js';
import type { Random } from './random.js';
import { pick, seededRandom, recentStart } from './random.js';

export interface PubNubHistoryOptions {
  seed: number;
  channels?: readonly string[];
  /** Distinct user ids (uuids). */
  users?: number;
  /** Presence events to generate. */
  steps?: number;
  /** Epoch ms of the first event. */
  start?: number;
  /**
   * Least time between two events of one member (ms); default 1000. Legacy webhooks carry whole
   * seconds, so two events of one member within a second cannot be ordered from them: a history
   * meant to be delivered (partly) as legacy webhooks keeps them a second apart.
   */
  minMemberGapMs?: number;
  /** Largest step of the clock between two events (ms); default 1500. Each step advances it by 1..maxGapMs ms. */
  maxGapMs?: number;
}

/** One event of the history, in whichever format it will be delivered. */
export interface PubNubHistoryEntry {
  kind: PubNubMemberAction | PubNubChannelStatus;
  /** The Events & Actions id. */
  id: string;
  channel: string;
  /** Absent for channel active / inactive. */
  uuid?: string;
  /** Epoch ms (E&A precise_timestamp); legacy webhooks send Math.floor(ms / 1000) seconds. */
  timestampMs: number;
  /** Members present in the channel after the event. */
  occupancy: number;
  /** The member's full state after the event (join, state-change). */
  state?: unknown;
}

export interface PubNubHistory {
  /** Every event, in the order PubNub produced them. */
  entries: PubNubHistoryEntry[];
  /** channel -> present members ({ clientId: uuid, data: state }), from applying `entries` in order. */
  truth: Map<string, TruthMember[]>;
}

function hex(random: Random, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 16).toString(16);
  return out;
}

function uuidLike(random: Random): string {
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
}

function stateValue(random: Random, step: number): unknown {
  const r = random();
  if (r < 0.25) return undefined;
  return { mood: pick(random, ['online', 'typing', 'away', 'busy']), step, ...(r > 0.8 ? { tags: ['a', 'b'] } : {}) };
}

/**
 * Generate a realistic PubNub presence history: users join channels (with or without state),
 * change state, leave, and time out; channels go active when their first member joins and inactive
 * when the last one goes. Timestamps only move forward; one member's events are at least
 * `minMemberGapMs` apart.
 */
export function generatePubNubHistory(options: PubNubHistoryOptions): PubNubHistory {
  const random = seededRandom(options.seed);
  const channels = options.channels ?? ['room-1', 'room-2', 'room-3'];
  const users = Array.from({ length: options.users ?? 6 }, (_, i) => `user-${i}`);
  const steps = options.steps ?? 60;
  const gap = options.minMemberGapMs ?? 1000;
  const maxGap = options.maxGapMs ?? 1500;
  if (!(Number.isSafeInteger(maxGap) && maxGap >= 1)) throw new RangeError('generatePubNubHistory: maxGapMs must be a positive integer');
  let now = options.start ?? recentStart(steps * ((maxGap + 1) / 2));
  const present = new Map<string, Map<string, unknown>>(); // channel -> uuid -> state
  const last = new Map<string, number>(); // channel\0uuid -> ms
  const entries: PubNubHistoryEntry[] = [];

  for (let step = 0; step < steps; step++) {
    now += 1 + Math.floor(random() * maxGap);
    const channel = pick(random, channels);
    const uuid = pick(random, users);
    const key = `${channel}\u0000${uuid}`;
    now = Math.max(now, (last.get(key) ?? -Infinity) + gap);
    last.set(key, now);
    let members = present.get(channel);
    if (members === undefined) present.set(channel, (members = new Map()));
    const id = uuidLike(random);
    if (!members.has(uuid)) {
      const state = stateValue(random, step);
      members.set(uuid, state);
      if (members.size === 1) entries.push({ kind: 'active', id: uuidLike(random), channel, timestampMs: now, occupancy: 1 });
      entries.push({
        kind: 'join',
        id,
        channel,
        uuid,
        timestampMs: now,
        occupancy: members.size,
        ...(state === undefined ? {} : { state }),
      });
      continue;
    }
    const r = random();
    if (r < 0.4) {
      const state = { mood: pick(random, ['online', 'typing', 'away', 'busy']), step };
      members.set(uuid, state);
      entries.push({ kind: 'state-change', id, channel, uuid, timestampMs: now, occupancy: members.size, state });
    } else {
      members.delete(uuid);
      entries.push({ kind: r < 0.75 ? 'leave' : 'timeout', id, channel, uuid, timestampMs: now, occupancy: members.size });
      if (members.size === 0) entries.push({ kind: 'inactive', id: uuidLike(random), channel, timestampMs: now, occupancy: 0 });
    }
  }
  return { entries, truth: pubnubTruth(entries) };
}

/** Apply a PubNub history in order: join / state-change set the member (and its state), leave / timeout remove it. */
export function pubnubTruth(entries: readonly PubNubHistoryEntry[]): Map<string, TruthMember[]> {
  const map = new Map<string, Map<string, TruthMember>>();
  for (const entry of entries) {
    if (entry.uuid === undefined) continue;
    let members = map.get(entry.channel);
    if (members === undefined) map.set(entry.channel, (members = new Map()));
    if (entry.kind === 'leave' || entry.kind === 'timeout') members.delete(entry.uuid);
    else members.set(entry.uuid, entry.state === undefined ? { clientId: entry.uuid } : { clientId: entry.uuid, data: entry.state });
  }
  const truth = new Map<string, TruthMember[]>();
  for (const [channel, members] of map) if (members.size > 0) truth.set(channel, sortMembers([...members.values()]));
  return truth;
}
