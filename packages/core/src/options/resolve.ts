import type { ProviderName } from '../events.js';
import { DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_IN_FLIGHT_BYTES } from '../http/limits.js';
import { DEFAULT_ABLY_REST_URL } from '../providers/ably/index.js';
import type { AblyOptions } from '../providers/ably/options.js';
import { DEFAULT_PUBNUB_REST_URL } from '../providers/pubnub/index.js';
import type { PubNubOptions } from '../providers/pubnub/options.js';
import { DEFAULT_PUSHER_REST_URL } from '../providers/pusher/index.js';
import type { PusherOptions } from '../providers/pusher/options.js';
import type { ResolvedProvider } from '../providers/provider.js';
import { DEFAULT_MAX_CHANNEL_NAME_LENGTH, DEFAULT_MAX_CLOCK_SKEW_MS } from '../providers/bounds.js';
import { DEFAULT_REST_TIMEOUT_MS } from '../rest/options.js';
import type { ResolvedResyncOptions } from '../resync/options.js';
import { resolveResyncOptions } from '../resync/options.js';
import type { InspectorOptions } from '../inspector/inspector.js';
import type { PresenceStore } from '../store.js';
import type { AckMode, ReceiverOptions, RejectInfo } from './receiver-options.js';
import {
  checkKnownKeys,
  httpUrl,
  nonNegativeNumber,
  oneOf,
  optionalBoolean,
  optionalFunction,
  optionalString,
  optionError,
  positiveInteger,
  positiveNumber,
} from '../option-checks.js';
import {
  ABLY_OPTION_NAMES,
  ABLY_REST_OPTION_NAMES,
  INSPECTOR_OPTION_NAMES,
  MULTIPART_OPTION_NAMES,
  PUBNUB_OPTION_NAMES,
  PUBNUB_REST_OPTION_NAMES,
  PUSHER_KEY_NAMES,
  PUSHER_OPTION_NAMES,
  READ_ENDPOINT_OPTION_NAMES,
  RECEIVER_OPTION_NAMES,
  REST_OPTION_NAMES,
  RESYNC_OPTION_NAMES,
  RETRY_OPTION_NAMES,
  USERS_OPTION_NAMES,
} from './option-names.js';

/** Every option of createReceiver, checked and defaulted. */
export interface ResolvedReceiverOptions {
  ably?: ResolvedProvider<AblyOptions>;
  pubnub?: ResolvedProvider<PubNubOptions>;
  pusher?: ResolvedProvider<PusherOptions>;
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
const GENERATE_HINT = "(generate one: node -e \"console.log(require('node:crypto').randomBytes(24).toString('base64url'))\")";
/** Below this a provider secret is warned about (the provider's console sets it, so it is not refused). */
const SHORT_SECRET = 16;

/** The loud warning for a provider secret shorter than SHORT_SECRET characters (never the secret itself). */
function shortSecret(name: string, secret: unknown, warnings: string[]): void {
  if (typeof secret === 'string' && secret.length < SHORT_SECRET)
    warnings.push(
      `presence-webhooks: WARNING: ${name} is only ${secret.length} characters: a short secret can be guessed. Use the full secret from the provider's console (or generate a long one where you set it).`,
    );
}

/** An options object (or undefined), whose keys must all be in `known` when given. */
function objectOption(value: unknown, name: string, known?: Readonly<Record<string, true>>): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw optionError(name, 'an object', value);
  if (known !== undefined) checkKnownKeys(value, known, name);
  return value as Record<string, unknown>;
}

function restOf(
  value: unknown,
  name: string,
  defaultUrl: string,
  known: Readonly<Record<string, true>>,
): { restBaseUrl: string; restTimeoutMs: number } {
  const rest = objectOption(value, name, known);
  return {
    restBaseUrl: httpUrl(rest?.baseUrl, `${name}.baseUrl`, defaultUrl),
    restTimeoutMs: positiveNumber(rest?.timeoutMs, `${name}.timeoutMs`, DEFAULT_REST_TIMEOUT_MS),
  };
}

function resolveAbly(value: unknown, warnings: string[]): ResolvedProvider<AblyOptions> | undefined {
  const ably = objectOption(value, 'ably', ABLY_OPTION_NAMES);
  if (ably === undefined) return undefined;
  if (ably.keys !== undefined && !Array.isArray(ably.keys))
    throw optionError('ably.keys', 'an array of "appId.keyId:keySecret" strings', ably.keys);
  const keys = (ably.keys ?? []) as unknown[];
  // The secret's value is never shown in an error.
  if (ably.secret !== undefined && (typeof ably.secret !== 'string' || ably.secret === ''))
    throw optionError('ably.secret', 'a non-empty string', typeof ably.secret === 'string' ? '' : typeof ably.secret);
  optionalString(ably.secretHeader, 'ably.secretHeader');
  const insecure = optionalBoolean(ably.insecure, 'ably.insecure', false);
  const cipherKeys = ably.cipherKeys;
  if (cipherKeys !== undefined && typeof cipherKeys !== 'function' && (typeof cipherKeys !== 'object' || cipherKeys === null)) {
    throw optionError('ably.cipherKeys', 'an object of channel -> key, or a function (channel) => key', cipherKeys);
  }
  if (keys.length === 0 && ably.secret === undefined && !insecure) {
    throw new TypeError(
      'presence-webhooks: ably needs keys (to verify X-Ably-Signature), a shared secret, or insecure: true (got none of them)',
    );
  }
  shortSecret('ably.secret', ably.secret, warnings);
  keys.forEach((key, i) => {
    if (typeof key === 'string' && key.includes(':'))
      shortSecret(`the secret of ably.keys[${i}]`, key.slice(key.indexOf(':') + 1), warnings);
  });
  if (insecure)
    warnings.push('presence-webhooks: ably.insecure is set: unsigned Ably webhooks are accepted. Do not run this in production.');
  return { options: ably as AblyOptions, ...restOf(ably.rest, 'ably.rest', DEFAULT_ABLY_REST_URL, ABLY_REST_OPTION_NAMES) };
}

function resolvePubNub(value: unknown, warnings: string[]): ResolvedProvider<PubNubOptions> | undefined {
  const pubnub = objectOption(value, 'pubnub', PUBNUB_OPTION_NAMES);
  if (pubnub === undefined) return undefined;
  if (pubnub.secret !== undefined && (typeof pubnub.secret !== 'string' || pubnub.secret === ''))
    throw optionError('pubnub.secret', 'a non-empty string', typeof pubnub.secret === 'string' ? '' : typeof pubnub.secret);
  shortSecret('pubnub.secret', pubnub.secret, warnings);
  optionalString(pubnub.secretHeader, 'pubnub.secretHeader');
  optionalString(pubnub.subscribeKey, 'pubnub.subscribeKey');
  const insecure = optionalBoolean(pubnub.insecure, 'pubnub.insecure', false);
  if (pubnub.secret === undefined && !insecure) {
    throw new TypeError(
      'presence-webhooks: pubnub needs a shared secret ({ pubnub: { secret } }, sent by PubNub in a custom header or a ?secret= query parameter), or insecure: true to accept unauthenticated requests (PubNub signs nothing)',
    );
  }
  const multipart = objectOption(pubnub.multipart, 'pubnub.multipart', MULTIPART_OPTION_NAMES);
  if (multipart?.parts !== undefined) positiveInteger(multipart.parts, 'pubnub.multipart.parts', 1);
  if (multipart?.fieldSize !== undefined) positiveInteger(multipart.fieldSize, 'pubnub.multipart.fieldSize', 1);
  const rest = objectOption(pubnub.rest, 'pubnub.rest', PUBNUB_REST_OPTION_NAMES);
  optionalString(rest?.uuid, 'pubnub.rest.uuid');
  optionalString(rest?.authKey, 'pubnub.rest.authKey');
  if (insecure && pubnub.secret === undefined)
    warnings.push(
      'presence-webhooks: pubnub.insecure is set: PubNub webhooks without a secret are accepted. Do not run this in production.',
    );
  return { options: pubnub as PubNubOptions, ...restOf(pubnub.rest, 'pubnub.rest', DEFAULT_PUBNUB_REST_URL, PUBNUB_REST_OPTION_NAMES) };
}

function resolvePusher(value: unknown, warnings: string[]): ResolvedProvider<PusherOptions> | undefined {
  const pusher = objectOption(value, 'pusher', PUSHER_OPTION_NAMES);
  if (pusher === undefined) return undefined;
  if (!Array.isArray(pusher.keys) || pusher.keys.length === 0) {
    throw optionError(
      'pusher.keys',
      'a non-empty array of { key, secret } (the app key and secret from the Pusher dashboard)',
      pusher.keys,
    );
  }
  const keys = (pusher.keys as unknown[]).map((entry, i) => {
    const pair = objectOption(entry, `pusher.keys[${i}]`, PUSHER_KEY_NAMES);
    if (pair === undefined) throw optionError(`pusher.keys[${i}]`, 'an object { key, secret }', entry);
    const key = optionalString(pair.key, `pusher.keys[${i}].key`);
    if (key === undefined) throw optionError(`pusher.keys[${i}].key`, 'a non-empty string', pair.key);
    // The secret's value is never shown in an error.
    if (typeof pair.secret !== 'string' || pair.secret === '')
      throw optionError(`pusher.keys[${i}].secret`, 'a non-empty string', typeof pair.secret === 'string' ? '' : typeof pair.secret);
    shortSecret(`pusher.keys[${i}].secret`, pair.secret, warnings);
    return { key, secret: pair.secret };
  });
  const appId = optionalString(pusher.appId, 'pusher.appId');
  const options: PusherOptions = { keys, ...(appId === undefined ? {} : { appId }) };
  const resolved = { options, ...restOf(pusher.rest, 'pusher.rest', DEFAULT_PUSHER_REST_URL, REST_OPTION_NAMES) };
  if (pusher.rest !== undefined) options.rest = { baseUrl: resolved.restBaseUrl, timeoutMs: resolved.restTimeoutMs };
  return resolved;
}

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
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    checkKnownKeys(value, READ_ENDPOINT_OPTION_NAMES, 'readEndpoint');
  const token = (value as { token?: unknown } | null)?.token;
  if (typeof token !== 'string' || !/^\S+$/.test(token))
    throw optionError('readEndpoint', "true, false or { token: '<a non-empty token without spaces>' }", value);
  // The token's value is never shown in an error.
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

/** The providers configured, in detection order. */
export function configuredProviders(options: ResolvedReceiverOptions): ProviderName[] {
  const names: ProviderName[] = [];
  if (options.ably !== undefined) names.push('ably');
  if (options.pubnub !== undefined) names.push('pubnub');
  if (options.pusher !== undefined) names.push('pusher');
  return names;
}

/**
 * Check and default every option of createReceiver, in one place. Throws a TypeError whose message
 * names the option and the value received, e.g.
 * `presence-webhooks: retry.attempts must be a positive integer (got NaN)`.
 */
export function resolveReceiverOptions(input: ReceiverOptions): ResolvedReceiverOptions {
  const options = objectOption(input, 'createReceiver options') ?? {};
  checkKnownKeys(options, RECEIVER_OPTION_NAMES, '');
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
  const ably = resolveAbly(options.ably, warnings);
  if (ably !== undefined) resolved.ably = ably;
  const pubnub = resolvePubNub(options.pubnub, warnings);
  if (pubnub !== undefined) resolved.pubnub = pubnub;
  const pusher = resolvePusher(options.pusher, warnings);
  if (pusher !== undefined) resolved.pusher = pusher;
  if (ably === undefined && pubnub === undefined && pusher === undefined) {
    throw new TypeError(
      'presence-webhooks: configure at least one provider: { ably: { keys } }, { pubnub: { secret } } or { pusher: { keys: [{ key, secret }] } } (got none)',
    );
  }
  if (store !== undefined) resolved.store = store;
  if (onError !== undefined) resolved.onError = onError;
  const onReject = optionalFunction<(info: RejectInfo) => void>(options.onReject, 'onReject');
  if (onReject !== undefined) resolved.onReject = onReject;
  const readEndpoint = resolveReadEndpoint(options.readEndpoint, warnings);
  if (readEndpoint !== undefined) resolved.readEndpoint = readEndpoint;
  const inspector = resolveInspector(options.inspector);
  if (inspector !== undefined) resolved.inspector = inspector;
  return resolved;
}
