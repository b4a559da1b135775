import { DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_IN_FLIGHT_BYTES } from '../http/limits.js';
import type { ResolvedProviders } from '../providers/index.js';
import { PROVIDER_NAMES, resolveProviders } from '../providers/index.js';
import { DEFAULT_MAX_CHANNEL_NAME_LENGTH, DEFAULT_MAX_CLOCK_SKEW_MS } from '../providers/bounds.js';
import type { ResolvedResyncOptions } from '../resync/options.js';
import { resolveResyncOptions } from '../resync/options.js';
import type { InspectorOptions } from '../inspector/inspector.js';
import type { PresenceStore } from '../store.js';
import type { AckMode, ReceiverOptions, RejectInfo } from './receiver-options.js';
import {
  checkKnownKeys,
  nonNegativeNumber,
  objectOption,
  oneOf,
  optionalBoolean,
  optionalFunction,
  optionError,
  positiveInteger,
  positiveNumber,
} from '../option-checks.js';
import {
  INSPECTOR_OPTION_NAMES,
  READ_ENDPOINT_OPTION_NAMES,
  RECEIVER_OPTION_NAMES,
  RESYNC_OPTION_NAMES,
  RETRY_OPTION_NAMES,
  USERS_OPTION_NAMES,
} from './option-names.js';

/** Every option of createReceiver, checked and defaulted. */
export interface ResolvedReceiverOptions extends ResolvedProviders {
  store?: PresenceStore;
  ack: AckMode;
  retry: { attempts: number; baseDelayMs: number };
  bodyLimit: number;
  bodyTimeoutMs: number;
  ackTimeoutMs: number;
  maxQueuedDeliveries: number;
  maxClockSkewMs: number;
  maxChannelNameLength: number;
  onReject?: (info: RejectInfo) => void;
  maxInFlightBytes: number;
  onError?: (error: Error) => void;
  logger: { warn(message: string): void };
  resync: ResolvedResyncOptions;
  readEndpoint?: { token?: string };
  inspector?: InspectorOptions;
  /** Warnings to log once (insecure setups, a read endpoint without a token). */
  warnings: string[];
}

/** The shortest token this project checks (read endpoint, inspector): 16 characters. */
export const MIN_TOKEN_LENGTH = 16;
/** createReceiver's option of each provider (`ably`, …), listed before its own options. */
const PROVIDER_OPTION_NAMES: Readonly<Record<string, true>> = Object.fromEntries(PROVIDER_NAMES.map((name) => [name, true]));
const GENERATE_HINT = "(generate one: node -e \"console.log(require('node:crypto').randomBytes(24).toString('base64url'))\")";

function resolveStore(value: unknown): PresenceStore | undefined {
  if (value === undefined) return undefined;
  const store = value as Partial<PresenceStore> | null;
  if (typeof store !== 'object' || store === null || typeof store.apply !== 'function' || typeof store.members !== 'function') {
    throw optionError('store', 'a PresenceStore (an object with apply, members, channels, occupancy)', value);
  }
  return value as PresenceStore;
}

function resolveReadEndpoint(value: unknown, warnings: string[]): { token?: string } | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) {
    warnings.push(
      'presence-webhooks: readEndpoint is on without a token: anyone who reaches the webhook path can read who is present. Use readEndpoint: { token } outside tests.',
    );
    return {};
  }
  // A string is most often the token itself given bare (readEndpoint: process.env.TOKEN): never shown.
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw optionError(
      'readEndpoint',
      "true, false or { token: '<a non-empty token without spaces>' }",
      typeof value === 'string' ? 'a string: give it as { token }' : value,
    );
  checkKnownKeys(value, READ_ENDPOINT_OPTION_NAMES, 'readEndpoint');
  const token = (value as { token?: unknown }).token;
  // The token's value is never shown in an error: what is wrong with it is (undefined, most often an unset env var).
  if (typeof token !== 'string' || !/^\S+$/.test(token))
    throw optionError(
      'readEndpoint.token',
      `a string of at least ${MIN_TOKEN_LENGTH} characters without spaces ${GENERATE_HINT}`,
      typeof token !== 'string' ? (token == null ? token : typeof token) : token === '' ? 'an empty string' : 'a string with whitespace',
    );
  if (token.length < MIN_TOKEN_LENGTH)
    throw optionError('readEndpoint.token', `at least ${MIN_TOKEN_LENGTH} characters ${GENERATE_HINT}`, `${token.length} characters`);
  return { token };
}

function resolveInspector(value: unknown): InspectorOptions | undefined {
  if (value === undefined || value === false) return undefined;
  const inspector = value as { token?: unknown; actions?: unknown } | null;
  const what = "{ token: '<at least 16 characters without spaces>', actions?: boolean }";
  if (typeof inspector !== 'object' || inspector === null || Array.isArray(inspector)) throw optionError('inspector', what, value);
  checkKnownKeys(inspector, INSPECTOR_OPTION_NAMES, 'inspector');
  // The token's value is never shown in an error.
  const token = inspector.token;
  if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH || !/^\S+$/.test(token))
    throw optionError(
      'inspector.token',
      `a string of at least ${MIN_TOKEN_LENGTH} characters without spaces ${GENERATE_HINT}`,
      typeof token === 'string' ? `${token.length} characters` : token,
    );
  return { token, actions: optionalBoolean(inspector.actions, 'inspector.actions', false) };
}

/**
 * Check and default every option of createReceiver, in one place. Throws a TypeError whose message
 * names the option and the value received, e.g.
 * `presence-webhooks: retry.attempts must be a positive integer (got NaN)`.
 */
export function resolveReceiverOptions(input: ReceiverOptions): ResolvedReceiverOptions {
  const options = objectOption(input, 'createReceiver options') ?? {};
  checkKnownKeys(options, { ...PROVIDER_OPTION_NAMES, ...RECEIVER_OPTION_NAMES }, '');
  const warnings: string[] = [];
  const ack = oneOf(options.ack, 'ack', ['on-receipt', 'after-store'] as const, 'on-receipt');
  const retry = objectOption(options.retry, 'retry', RETRY_OPTION_NAMES);
  objectOption(options.resync, 'resync', RESYNC_OPTION_NAMES);
  if (options.users !== false) objectOption(options.users, 'users', USERS_OPTION_NAMES);
  const logger = options.logger as { warn?: unknown } | undefined;
  if (logger !== undefined && (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function'))
    throw optionError('logger', 'an object with a warn(message) method', logger);
  const onError = optionalFunction<(error: Error) => void>(options.onError, 'onError');
  const store = resolveStore(options.store);
  const resolved: ResolvedReceiverOptions = {
    ack,
    retry: {
      attempts: positiveInteger(retry?.attempts, 'retry.attempts', 5),
      baseDelayMs: positiveNumber(retry?.baseDelayMs, 'retry.baseDelayMs', 100),
    },
    bodyLimit: positiveInteger(options.bodyLimit, 'bodyLimit', DEFAULT_BODY_LIMIT),
    bodyTimeoutMs: positiveInteger(options.bodyTimeoutMs, 'bodyTimeoutMs', DEFAULT_BODY_TIMEOUT_MS),
    ackTimeoutMs: positiveInteger(options.ackTimeoutMs, 'ackTimeoutMs', 2000),
    maxQueuedDeliveries: positiveInteger(options.maxQueuedDeliveries, 'maxQueuedDeliveries', 10_000),
    maxClockSkewMs: nonNegativeNumber(options.maxClockSkewMs, 'maxClockSkewMs', DEFAULT_MAX_CLOCK_SKEW_MS),
    maxChannelNameLength: positiveInteger(options.maxChannelNameLength, 'maxChannelNameLength', DEFAULT_MAX_CHANNEL_NAME_LENGTH),
    maxInFlightBytes: positiveInteger(options.maxInFlightBytes, 'maxInFlightBytes', DEFAULT_MAX_IN_FLIGHT_BYTES),
    logger: (logger as { warn(message: string): void } | undefined) ?? console,
    resync: resolveResyncOptions(options.resync as ReceiverOptions['resync']),
    warnings,
  };
  Object.assign(resolved, resolveProviders(options, warnings));
  if (store !== undefined) resolved.store = store;
  if (options.emit === 'everywhere' && store !== undefined && store.feed === undefined)
    warnings.push(
      "presence-webhooks: emit: 'everywhere' needs a store with a change feed (RedisStore: new RedisStore({ feed: {} })); without it each change is emitted only on the instance that applied it",
    );
  if (onError !== undefined) resolved.onError = onError;
  const onReject = optionalFunction<(info: RejectInfo) => void>(options.onReject, 'onReject');
  if (onReject !== undefined) resolved.onReject = onReject;
  const readEndpoint = resolveReadEndpoint(options.readEndpoint, warnings);
  if (readEndpoint !== undefined) resolved.readEndpoint = readEndpoint;
  const inspector = resolveInspector(options.inspector);
  if (inspector !== undefined) resolved.inspector = inspector;
  return resolved;
}
