/**
 * Every option name of each options object, in one place per object: `checkKnownKeys` refuses any
 * other key (with a did-you-mean). Each list is typed `Record<keyof TheOptions, true>`, so a field
 * added to an options type fails the type check until it is listed here too.
 */
import type { InspectorOptions } from '../inspector/inspector.js';
import type { AblyOptions, AblyRestOptions } from '../providers/ably/options.js';
import type { MultipartLimits, PubNubOptions, PubNubRestOptions } from '../providers/pubnub/options.js';
import type { PusherKey, PusherOptions } from '../providers/pusher/options.js';
import type { RestOptions } from '../rest/options.js';
import type { ResyncOptions } from '../resync/options.js';
import type { ReceiverOptions } from './receiver-options.js';

export const RECEIVER_OPTION_NAMES: Record<keyof ReceiverOptions, true> = {
  ably: true,
  pubnub: true,
  pusher: true,
  store: true,
  bodyLimit: true,
  bodyTimeoutMs: true,
  maxInFlightBytes: true,
  ack: true,
  ackTimeoutMs: true,
  maxQueuedDeliveries: true,
  onReject: true,
  retry: true,
  onError: true,
  logger: true,
  resync: true,
  readEndpoint: true,
  inspector: true,
  users: true,
  emit: true,
  claimAfterMs: true,
  maxEventAgeMs: true,
  maxClockSkewMs: true,
  maxChannelNameLength: true,
};

export const ABLY_OPTION_NAMES: Record<keyof AblyOptions, true> = {
  keys: true,
  secret: true,
  secretHeader: true,
  cipherKeys: true,
  insecure: true,
  rest: true,
};

export const ABLY_REST_OPTION_NAMES: Record<keyof AblyRestOptions, true> = { baseUrl: true, timeoutMs: true, prefix: true };

export const PUBNUB_OPTION_NAMES: Record<keyof PubNubOptions, true> = {
  secret: true,
  secretHeader: true,
  insecure: true,
  subscribeKey: true,
  rest: true,
  multipart: true,
};

export const PUBNUB_REST_OPTION_NAMES: Record<keyof PubNubRestOptions, true> = {
  baseUrl: true,
  timeoutMs: true,
  uuid: true,
  authKey: true,
};

export const MULTIPART_OPTION_NAMES: Record<keyof MultipartLimits, true> = { parts: true, fieldSize: true };

export const PUSHER_OPTION_NAMES: Record<keyof PusherOptions, true> = { keys: true, appId: true, rest: true };

export const PUSHER_KEY_NAMES: Record<keyof PusherKey, true> = { key: true, secret: true };

export const REST_OPTION_NAMES: Record<keyof RestOptions, true> = { baseUrl: true, timeoutMs: true };

export const RESYNC_OPTION_NAMES: Record<keyof ResyncOptions, true> = {
  onDrift: true,
  graceMs: true,
  minIntervalMs: true,
  everyMs: true,
  onStart: true,
  concurrency: true,
  maxRequestsPerSecond: true,
};

export const RETRY_OPTION_NAMES: Record<keyof NonNullable<ReceiverOptions['retry']>, true> = { attempts: true, baseDelayMs: true };

export const READ_ENDPOINT_OPTION_NAMES: Record<'token', true> = { token: true };

/** `users: { graceMs, lastSeenMs, id }` (user-level presence, added this round). */
export const USERS_OPTION_NAMES: Record<'graceMs' | 'lastSeenMs' | 'id', true> = { graceMs: true, lastSeenMs: true, id: true };

export const INSPECTOR_OPTION_NAMES: Record<keyof InspectorOptions, true> = { token: true, actions: true };
