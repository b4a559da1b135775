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
}

export interface ReportedOccupancy {
  occupancy: number;
  timestamp: number;
}

/** An effective change decided by the merge: the store's answer to `apply`. */
export type PresenceChange =
  | { type: 'join'; provider: ProviderName; channel: string; member: Member }
  | { type: 'update'; provider: ProviderName; channel: string; member: Member; previous: Member }
  | { type: 'leave'; provider: ProviderName; channel: string; member: Member; reason: LeaveReason };

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
] as const satisfies readonly PresenceEventName[];

/** A non-presence event a provider normalised, emitted as it is (no merge). */
export type ChannelEvent =
  | { name: 'channel.active'; payload: ChannelActiveEvent }
  | { name: 'channel.inactive'; payload: ChannelInactiveEvent }
  | { name: 'message'; payload: MessageEvent }
  | { name: 'occupancy'; payload: OccupancyEvent };

/** Turn a store change into the payload its event carries (one object literal per type: no spreads on this hot path). */
export function changeToEvent(change: PresenceChange): { name: 'join' | 'update' | 'leave'; payload: JoinEvent } {
  const { provider, channel, member } = change;
  switch (change.type) {
    case 'join':
      return { name: 'join', payload: { provider, channel, member, data: member.data, timestamp: member.timestamp } };
    case 'update': {
      const payload: UpdateEvent = { provider, channel, member, data: member.data, timestamp: member.timestamp, previous: change.previous };
      return { name: 'update', payload };
    }
    case 'leave': {
      const payload: LeaveEvent = { provider, channel, member, data: member.data, timestamp: member.timestamp, reason: change.reason };
      return { name: 'leave', payload };
    }
  }
}
