/**
 * Core's event vocabulary, one import path: the normalised presence events that feed the store, the
 * changes it commits, and the typed events a receiver emits. Everything here is plain data: no
 * classes, no I/O. Who is present is defined in member.ts, the emitted payloads in event-payloads.ts,
 * the merge's order in order-key.ts.
 */
import type {
  ChannelActiveEvent,
  ChannelInactiveEvent,
  DriftEvent,
  JoinEvent,
  LeaveEvent,
  MessageEvent,
  OccupancyEvent,
  ReconcileEvent,
  UpdateEvent,
  UserJoinEvent,
  UserLeaveEvent,
  UserOfflineEvent,
  UserOnlineEvent,
} from './event-payloads.js';
import type { LeaveReason, Member, ProviderName, ReportedOccupancy } from './member.js';
import type { OrderKey } from './order-key.js';

export type * from './event-payloads.js';
export type * from './member.js';

/** A normalised presence event: the only input the store's merge understands. */
export interface PresenceEvent {
  provider: ProviderName;
  channel: string;
  /** Member identity: Ably connectionId + clientId, PubNub uuid. */
  memberKey: string;
  /** true: the member is present after this event; false: it is absent (leave, timeout...). */
  present: boolean;
  /** Set when `present` is false. */
  reason?: LeaveReason;
  member: Member;
  order: OrderKey;
  /** The occupancy the provider reported with the event (PubNub), kept to detect drift. */
  reported?: ReportedOccupancy;
  /**
   * The app's user id of the member (`users.id(member, provider)`), set by the receiver when user-level
   * presence is on. A store records it with the member when it becomes present and uses the recorded id
   * when it leaves (a leave's own data may differ).
   */
  userId?: string;
}

/**
 * An effective member change decided by the merge: the store's answer to `apply`. `cursor` is set by a
 * store with a change feed: the change's place in the feed (see `ChangeFeed`).
 */
export type PresenceChange =
  | { type: 'join'; provider: ProviderName; channel: string; member: Member; cursor?: string }
  | { type: 'update'; provider: ProviderName; channel: string; member: Member; previous: Member; cursor?: string }
  | { type: 'leave'; provider: ProviderName; channel: string; member: Member; reason: LeaveReason; cursor?: string };

/**
 * An effective user-level change (see DESIGN "Round 3"): a user in a channel (`user.join` / `user.leave`) or in
 * the app (`user.online` / `user.offline`). `at` is the provider time (ms) of the event that caused it; for a
 * leave or offline, `lastSeen` (= `at`) is the latest provider time among the leaves that ended the presence.
 */
export type UserChange =
  | { type: 'user.join'; userId: string; provider: ProviderName; channel: string; at: number; cursor?: string }
  | { type: 'user.leave'; userId: string; provider: ProviderName; channel: string; at: number; lastSeen: number; cursor?: string }
  | { type: 'user.online'; userId: string; provider: ProviderName; channel: string; at: number; cursor?: string }
  | { type: 'user.offline'; userId: string; at: number; lastSeen: number; cursor?: string };

/** A channel notice written to the change feed with the batch it came with (`ApplyOptions.notices`). */
export interface ChannelChange {
  type: 'channel.active' | 'channel.inactive';
  provider: ProviderName;
  channel: string;
  timestamp: number;
  cursor?: string;
}

/** Anything a store commits and writes to its change feed. */
export type Change = PresenceChange | UserChange | ChannelChange;

/** Event name -> payload. `receiver.on('` autocompletes these. */
export interface PresenceEventMap {
  join: JoinEvent;
  update: UpdateEvent;
  leave: LeaveEvent;
  'channel.active': ChannelActiveEvent;
  'channel.inactive': ChannelInactiveEvent;
  message: MessageEvent;
  occupancy: OccupancyEvent;
  drift: DriftEvent;
  reconcile: ReconcileEvent;
  'user.online': UserOnlineEvent;
  'user.offline': UserOfflineEvent;
  'user.join': UserJoinEvent;
  'user.leave': UserLeaveEvent;
}

export type PresenceEventName = keyof PresenceEventMap;

export const EVENT_NAMES = [
  'join',
  'update',
  'leave',
  'channel.active',
  'channel.inactive',
  'message',
  'occupancy',
  'drift',
  'reconcile',
  'user.online',
  'user.offline',
  'user.join',
  'user.leave',
] as const satisfies readonly PresenceEventName[];

/** A non-presence event a provider normalised, emitted as it is (no merge). */
export type ChannelEvent =
  | { name: 'channel.active'; payload: ChannelActiveEvent }
  | { name: 'channel.inactive'; payload: ChannelInactiveEvent }
  | { name: 'message'; payload: MessageEvent }
  | { name: 'occupancy'; payload: OccupancyEvent };

/** A member-level change (join, update, leave), as opposed to a user-level change or a channel notice. */
export function isMemberChange(change: Change): change is PresenceChange {
  return change.type === 'join' || change.type === 'update' || change.type === 'leave';
}
