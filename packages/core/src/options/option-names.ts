/**
 * Every option name of each options object, in one place per object: `checkKnownKeys` refuses any
 * other key (with a did-you-mean). Each list is typed `Record<keyof TheOptions, true>`, so a field
 * added to an options type fails the type check until it is listed here too. A provider's names are in
 * its folder (`providers/<name>/resolve-options.ts`); a store's next to its constructor.
 */
import type { InspectorOptions } from '../inspector/inspector.js';
import type { ProviderName } from '../events.js';
import type { ResyncOptions } from '../resync/options.js';
import type { ReceiverOptions } from './receiver-options.js';

/** createReceiver's own options; each provider's (`ably`, …) come from the providers' list (providers/index.ts). */
export const RECEIVER_OPTION_NAMES: Record<Exclude<keyof ReceiverOptions, ProviderName>, true> = {
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
