// @presence-webhooks/core: the public API. Store authors: '@presence-webhooks/core/store';
// adapter authors: '@presence-webhooks/core/node'. The list is checked against the README (index.test.ts).
export { createReceiver, isReceiver } from './receiver.js';
export type { AckMode, HandleOptions, Receiver, ReceiverLimits, ReceiverOptions, RejectInfo, WebhookRequest } from './receiver.js';
export type { ResponseStream, WebhookResponse } from './http/response.js';
export { MemoryStore } from './presence/memory-store.js';
export type { MemoryStoreOptions } from './presence/memory-store.js';
export type { PresenceStore } from './store.js';
export { EVENT_NAMES } from './events.js';
export type {
  ChannelActiveEvent,
  ChannelInactiveEvent,
  ChannelMessage,
  DriftEvent,
  JoinEvent,
  LeaveEvent,
  LeaveReason,
  Member,
  MessageEvent,
  OccupancyEvent,
  PresenceEventMap,
  ProviderReconcileResult,
  ReconcileEvent,
  ReconcileResult,
  PresenceEventName,
  ProviderName,
  UpdateEvent,
} from './events.js';
export type { Handler } from './emitter.js';
export { HandlerError, ItemProblem, ReceiverError, StoreError, WebhookError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { ResyncError } from './rest/resync-error.js';
export type { AblyOptions, AblyRestOptions, CipherKey } from './providers/ably/options.js';
export type { MultipartLimits, PubNubOptions, PubNubRestOptions } from './providers/pubnub/options.js';
export type { PusherKey, PusherOptions } from './providers/pusher/options.js';
export type { RestOptions } from './rest/options.js';
export type { ResyncOptions } from './resync/options.js';
export type { ResyncResult, ResyncTarget } from './resync/resyncer.js';
export type { ReadEndpointOption } from './read-endpoint.js';
export { DEFAULT_BODY_LIMIT } from './http/limits.js';
export {
  DELIVERY_CHANNEL,
  DRIFT_CHANNEL,
  HANDLE_CHANNEL,
  RECONCILE_CHANNEL,
  REJECTION_CHANNEL,
  RESYNC_CHANNEL,
  STORE_APPLY_CHANNEL,
} from './observe/channels.js';
export type {
  DeliveryMessage,
  DeliveryOutcome,
  DriftMessage,
  HandleTraceContext,
  ReconcileMessage,
  RejectionMessage,
  ResyncMessage,
  ResyncOutcome,
  StoreApplyTraceContext,
} from './observe/channels.js';
export type { ReceiverStats, StatsProvider } from './observe/stats.js';
export type { InspectorOptions } from './inspector/inspector.js';
