export { createReceiver, isReceiver } from './receiver.js';
export type { AckMode, HandleOptions, Receiver, ReceiverLimits, ReceiverOptions, WebhookRequest } from './receiver.js';
export type { Handler } from './emitter.js';
export { EVENT_NAMES, changeToEvent } from './events.js';
export type {
  ChannelActiveEvent,
  ChannelEvent,
  ChannelInactiveEvent,
  ChannelMessage,
  DriftEvent,
  JoinEvent,
  LeaveEvent,
  LeaveReason,
  Member,
  MessageEvent,
  OccupancyEvent,
  OrderKey,
  PresenceChange,
  PresenceEvent,
  PresenceEventMap,
  PresenceEventName,
  ProviderName,
  ReportedOccupancy,
  UpdateEvent,
} from './events.js';
export type { ApplyOptions, ChannelWatermark, Lease, LeaseCapability, LeaseStatus, PresenceStore } from './store.js';
export { MemoryStore, DEFAULT_TOMBSTONE_HORIZON_MS } from './presence/memory-store.js';
export type { MemoryStoreOptions } from './presence/memory-store.js';
export { compareOrder, ablyOrderKey, RANK } from './presence/order.js';
export { mergeEvent, compareMembers } from './presence/merge.js';
export type { HeldState, MergeResult } from './presence/merge.js';
export { WebhookError, bodyConsumed, bodyTooLarge, errorResponse, jsonResponse } from './errors.js';
export type { WebhookErrorCode, WebhookResponse } from './errors.js';
export { DEFAULT_BODY_LIMIT } from './http/limits.js';
export type { RequestHeaders } from './http/headers.js';
export { getHeader } from './http/headers.js';
export type { AblyOptions, CipherKey } from './providers/ably/index.js';
export type { PubNubOptions } from './providers/pubnub/options.js';
export { decodeData } from './providers/ably/encoding.js';
export type { DecodedData } from './providers/ably/encoding.js';
export { secretsEqual } from './providers/shared-secret.js';
export type { ResyncResult, ResyncTarget } from './resync/resyncer.js';
export type { PubNubRestOptions, ResyncOptions, RestOptions } from './resync/options.js';
export { DEFAULT_ABLY_REST_URL, DEFAULT_PUBNUB_REST_URL } from './resync/options.js';
export { ResyncError } from './resync/resync-error.js';
export type { Snapshot, SnapshotSource } from './resync/snapshot.js';
export { ablySource } from './resync/ably-source.js';
export type { AblySourceOptions } from './resync/ably-source.js';
export { pubnubSource } from './resync/pubnub-source.js';
export type { PubNubSourceOptions } from './resync/pubnub-source.js';
export { repairEvents, visibleChanges, RESYNC_LEAVE_RANK } from './resync/repair.js';
export { HERE_NOW_CACHE_MS } from './resync/here-now.js';
export type { ReadEndpointOption } from './read-endpoint.js';
export { hereNowEvent } from './resync/here-now.js';
export { runOncePerFleet } from './resync/lease-runner.js';
export type { RunOncePerFleetOptions, RunOncePerFleetResult } from './resync/lease-runner.js';
