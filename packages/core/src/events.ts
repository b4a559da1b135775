/**
 * The typed events a receiver emits, and the normalised presence events that feed the store.
 * Everything here is plain data: no classes, no I/O.
 */

export type ProviderName = 'ably' | 'pubnub' | 'pusher';

/** Why a member left: a real leave, a PubNub timeout, an Ably synthesized leave, or a resync repair. */
export type LeaveReason = 'leave' | 'timeout' | 'synthetic' | 'resync';

/** One present member of a channel. PubNub's uuid is `clientId`; PubNub members have no connectionId. */
export interface Member {
  clientId: string;
  connectionId?: string;
  /** The decoded data (Ably: after the encoding chain; PubNub: the state object). */
  data?: unknown;
  /** Residual Ably encoding, present only when a step of the chain could not be applied. */
  encoding?: string;
  /** Milliseconds since the epoch, as the provider stamped the event that set this state. */
  timestamp: number;
}

/**
 * The total order used by the merge. Two keys that both carry a serial (>= 0) compare by
 * serial then index (Ably RTP2b2); otherwise by `ts` (RTP2b1, PubNub). Ties: higher `rank`
 * (leave beats the rest), then the larger `id`. Equal keys are the same message.
 */
export interface OrderKey {
  ts: number;
  serial: number;
  index: number;
  rank: number;
  id: string;
}

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

export interface ReportedOccupancy {
  occupancy: number;
  timestamp: number;
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

/** A user's presence as the store holds it (`receiver.users.get`). */
export interface UserPresence {
  userId: string;
  /** Present in some channel, or within the grace window after the last presence went (`users.graceMs`). */
  online: boolean;
  /** The channels the user is present in (or pending in, within the grace window), sorted. */
  channels: string[];
  /** The user's present member records over all channels (Ably: one per connection and channel). */
  members: number;
  /** Provider time (ms) of the join that brought the user online (unchanged by a return within the grace window). */
  since?: number;
  /** Provider time (ms) of the latest leave that ended the user's presence: set while pending and once offline. */
  lastSeen?: number;
}

interface ChannelScoped {
  provider: ProviderName;
  channel: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface JoinEvent extends ChannelScoped {
  member: Member;
  data: unknown;
}
export interface UpdateEvent extends JoinEvent {
  previous: Member;
}
export interface LeaveEvent extends JoinEvent {
  reason: LeaveReason;
}
export type ChannelActiveEvent = ChannelScoped;
export type ChannelInactiveEvent = ChannelScoped;

export interface ChannelMessage {
  id?: string;
  name?: string;
  clientId?: string;
  connectionId?: string;
  data?: unknown;
  encoding?: string;
  timestamp: number;
}
export interface MessageEvent extends ChannelScoped {
  message: ChannelMessage;
}
export interface OccupancyEvent extends ChannelScoped {
  /** The number of present members the provider reports, when it reports one. */
  occupancy?: number;
  /** Every figure the provider sent (Ably: connections, presenceMembers, ...). */
  metrics: Record<string, number>;
}
export interface DriftEvent {
  provider: ProviderName;
  channel: string;
  /** What the provider says. */
  reported: number;
  /** What the store holds. */
  stored: number;
  timestamp: number;
}

/** `user.online`: the user's first presence anywhere (any channel, any provider). */
export interface UserOnlineEvent {
  userId: string;
  /** Provider time (ms) of the join that brought the user online. */
  at: number;
  channel: string;
  provider: ProviderName;
}
/** `user.offline`: the user's last presence anywhere ended (after `users.graceMs`). */
export interface UserOfflineEvent {
  userId: string;
  /** = lastSeen. */
  at: number;
  /** The latest provider time (ms) among the leaves that ended the user's presence, whatever order they arrived in. */
  lastSeen: number;
}
/** `user.join`: the user's first member in the channel. */
export interface UserJoinEvent {
  userId: string;
  channel: string;
  provider: ProviderName;
  at: number;
}
/** `user.leave`: the user's last member in the channel left (after `users.graceMs`). */
export interface UserLeaveEvent {
  userId: string;
  channel: string;
  provider: ProviderName;
  /** = lastSeen. */
  at: number;
  lastSeen: number;
}

/** What one provider's part of a reconcile did. */
export interface ProviderReconcileResult {
  /** Channels looked at: the ones the provider listed together with the store's. */
  channels: number;
  /** Effective changes applied (emitted as join / update / leave, reason 'resync' for leaves). */
  changes: number;
  /** HTTP requests sent to the provider, retries included. */
  requests: number;
  /** True when every channel's snapshot was had and complete, and the listing was complete. */
  complete: boolean;
  /** Channels whose snapshot failed (`'*'`: the listing itself failed). */
  failed: string[];
  durationMs: number;
}

/** What `receiver.reconcile()` did, in all and per provider. */
export interface ReconcileResult extends ProviderReconcileResult {
  providers: Partial<Record<ProviderName, ProviderReconcileResult>>;
  /** False when another instance sharing the store ran this reconcile (and the figures are zero here). */
  ranHere: boolean;
}

/** Progress of a reconcile: `phase` 'list' (asking the provider for its channels), 'snapshot' (done of total), 'done'. */
export interface ReconcileEvent {
  provider: ProviderName;
  phase: 'list' | 'snapshot' | 'done';
  done: number;
  total: number;
  /** With phase 'done': the provider's result. */
  result?: ProviderReconcileResult;
}

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

/** Turn a committed change into the event name and payload it is emitted as (one object literal per type: no spreads on this hot path). */
export function changeToEvent(change: Change): { name: Change['type']; payload: PresenceEventMap[Change['type']] } {
  switch (change.type) {
    case 'join': {
      const { provider, channel, member } = change;
      return { name: 'join', payload: { provider, channel, member, data: member.data, timestamp: member.timestamp } };
    }
    case 'update': {
      const { provider, channel, member } = change;
      const payload: UpdateEvent = { provider, channel, member, data: member.data, timestamp: member.timestamp, previous: change.previous };
      return { name: 'update', payload };
    }
    case 'leave': {
      const { provider, channel, member } = change;
      const payload: LeaveEvent = { provider, channel, member, data: member.data, timestamp: member.timestamp, reason: change.reason };
      return { name: 'leave', payload };
    }
    case 'user.join':
      return { name: change.type, payload: { userId: change.userId, channel: change.channel, provider: change.provider, at: change.at } };
    case 'user.leave': {
      const { userId, channel, provider, at, lastSeen } = change;
      return { name: change.type, payload: { userId, channel, provider, at, lastSeen } };
    }
    case 'user.online': {
      const { userId, channel, provider, at } = change;
      return { name: change.type, payload: { userId, at, channel, provider } };
    }
    case 'user.offline':
      return { name: change.type, payload: { userId: change.userId, at: change.at, lastSeen: change.lastSeen } };
    case 'channel.active':
    case 'channel.inactive':
      return { name: change.type, payload: { provider: change.provider, channel: change.channel, timestamp: change.timestamp } };
  }
}

/** A member-level change (join, update, leave), as opposed to a user-level change or a channel notice. */
export function isMemberChange(change: Change): change is PresenceChange {
  return change.type === 'join' || change.type === 'update' || change.type === 'leave';
}
