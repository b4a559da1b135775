// @presence-webhooks/core: the public API. Store authors: '@presence-webhooks/core/store'; adapter authors:
// '@presence-webhooks/core/adapter' (any runtime; a node-http framework's adapter also uses '/node');
// metrics and tracing: '/observe'. The lists are checked
// against the README (test/public-api.test.ts). Provider option types: `ReceiverOptions['ably']` and so on.
export { createReceiver, isReceiver, StartupError } from './receiver.js';
export type { AckMode, HandleOptions, Receiver, ReceiverOptions, RejectInfo, WebhookRequest } from './receiver.js';
export type { EmitMode, UsersOptions } from './options/receiver-options.js';
export type { WebhookResponse } from './http/response.js';
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
  PresenceEventName,
  ProviderName,
  ReconcileEvent,
  ReconcileResult,
  UpdateEvent,
  UserJoinEvent,
  UserLeaveEvent,
  UserOfflineEvent,
  UserOnlineEvent,
  UserPresence,
} from './events.js';
export type { FeedChange, FeedOptions } from './tracker/changes.js';
export type { Handler } from './emitter.js';
export { HandlerError, ItemProblem, ReceiverError, StoreError, WebhookError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { ResyncError } from './rest/resync-error.js';
export type { ResyncResult, ResyncTarget } from './resync/resyncer.js';
export { DEFAULT_BODY_LIMIT } from './http/limits.js';
