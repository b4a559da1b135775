// The payloads of the events a receiver emits (see PresenceEventMap in events.ts). Plain data.
import type { LeaveReason, Member, ProviderName } from './member.js';

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
