// Who is present: the provider, the member, why one left, a user's presence and a reported figure. Plain data.

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

export interface ReportedOccupancy {
  occupancy: number;
  timestamp: number;
}

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
