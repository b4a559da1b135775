import { randomBytes } from 'node:crypto';
import type { Receiver } from '@presence-webhooks/core';
import type { WireFormat } from '../ably-builders.js';
import { ABLY_MAX_BATCH, ABLY_BACKOFF_MAX_MS, ABLY_RETENTION_MS } from './ably-stream.js';
import { PUBNUB_MAX_NETWORK_DELAY_MS } from './pubnub-stream.js';
import { PUBNUB_MAX_ATTEMPTS, PUBNUB_RESEND_DELAY_MS } from '../pubnub-deliveries.js';
import { PUSHER_RETRY_WINDOW_MS, pusherRetryDelays } from '../pusher-deliveries.js';
import { PUSHER_ANSWER_TIMEOUT_MS, PUSHER_MAX_NETWORK_DELAY_MS } from './pusher-stream.js';
import type { SimulatedProvider, SimulateOptions } from './types.js';

/** A `simulate` option that cannot work; the message says which and why. */
export class SimulationOptionsError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationOptionsError';
  }
}

export interface ResolvedOptions {
  urls?: string[];
  receiver?: Receiver;
  provider: SimulatedProvider;
  key: string;
  secret: string;
  secretHeader?: string;
  secretIn: 'header' | 'query';
  channels: string[];
  members: number;
  events: number;
  durationMs: number;
  /** Whether durationMs was asked for (not the default): only then does the report say the events did not fit it. */
  durationGiven: boolean;
  timeScale: number;
  concurrency: number;
  seed: number;
  format: WireFormat;
  sites: number;
  batchSize: number;
  duplicateRate: number;
  requestTimeoutMs: number;
  verify: boolean;
  readToken?: string;
  settleMs: number;
  progressIntervalMs: number;
  /** Real ms after which the run stops, given the history's span (known once generated). */
  maxRunMs(spanMs: number): number;
}

const fail = (message: string): never => {
  throw new SimulationOptionsError(message);
};

function integer(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min || v > max) fail(`${name} must be an integer from ${min} to ${max} (got ${String(value)})`);
  return v;
}

function real(name: string, value: number | undefined, fallback: number, min: number, max: number, minExclusive = false): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || (minExclusive ? v <= min : v < min) || v > max) {
    fail(
      `${name} must be a number ${minExclusive ? 'above' : 'from'} ${min} ${minExclusive ? 'and at most' : 'to'} ${max} (got ${String(value)})`,
    );
  }
  return v;
}

function channelList(options: SimulateOptions): string[] {
  const { channels } = options;
  if (Array.isArray(channels)) {
    const list = channels as readonly unknown[];
    if (list.length === 0 || list.length > 10_000 || !list.every((c) => typeof c === 'string' && c !== ''))
      fail('channels must be a count or a list of 1 to 10000 non-empty names');
    if (new Set(list).size !== list.length) fail('channels must not repeat a name');
    return [...(list as string[])];
  }
  const count = integer('channels', channels as number | undefined, 10, 1, 10_000);
  // Pusher's presence channels are named presence-*.
  const prefix = options.channelPrefix ?? `${options.provider === 'pusher' ? 'presence-' : ''}sim-${randomBytes(3).toString('hex')}`;
  if (typeof prefix !== 'string' || prefix === '') fail('channelPrefix must be a non-empty string');
  return Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
}

/** Check every option and fill in the defaults. Throws SimulationOptionsError with a clear message. */
export function resolveOptions(options: SimulateOptions): ResolvedOptions {
  const provider = options.provider;
  if (provider !== 'ably' && provider !== 'pubnub' && provider !== 'pusher')
    fail(`provider must be 'ably', 'pubnub' or 'pusher' (got ${String(provider)})`);
  if ((options.url === undefined) === (options.receiver === undefined))
    fail('give either url (a webhook URL) or receiver (an in-process receiver)');
  const urls = options.url === undefined ? undefined : typeof options.url === 'string' ? [options.url] : [...options.url];
  if (urls !== undefined && urls.length === 0) fail('url must name at least one webhook URL');
  for (const url of urls ?? []) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      fail(`url is not a URL: ${url}`);
    }
    if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') fail(`url must be http:// or https:// (got ${url})`);
  }
  const key = options.key ?? '';
  const secret = options.secret ?? '';
  if (provider === 'ably' && !/^[^:\s]+:\S+$/.test(key))
    fail("Ably webhooks are signed: key must be the API key the receiver trusts, 'appId.keyId:keySecret'");
  if (provider === 'pubnub' && secret === '')
    fail('PubNub webhooks carry no signature: secret must be the shared secret the receiver checks');
  if (provider === 'pusher' && (key === '' || secret === ''))
    fail('Pusher webhooks are signed: key must be the app key and secret the app secret the receiver trusts');
  if (options.secretIn !== undefined && options.secretIn !== 'header' && options.secretIn !== 'query')
    fail("secretIn must be 'header' or 'query'");
  const format = options.format ?? 'json';
  if (format !== 'json' && format !== 'msgpack') fail("format must be 'json' or 'msgpack'");
  const members = integer('members', options.members, 100, 1, 1_000_000);
  const resolved: ResolvedOptions = {
    provider,
    key,
    secret,
    secretIn: options.secretIn ?? 'header',
    channels: channelList(options),
    members,
    events: integer('events', options.events, members * 4, 1, 1_000_000),
    durationMs: integer('durationMs', options.durationMs, 10_000, 1, 24 * 3_600_000),
    durationGiven: options.durationMs !== undefined,
    timeScale: real('timeScale', options.timeScale, 1, 0, 1_000_000, true),
    concurrency: integer('concurrency', options.concurrency, 16, 1, 1024),
    seed: integer('seed', options.seed, Math.floor(Math.random() * 2 ** 31), 0, 2 ** 32 - 1),
    format,
    sites: integer('sites', options.sites, 3, 1, 64),
    batchSize: integer('batchSize', options.batchSize, ABLY_MAX_BATCH, 1, ABLY_MAX_BATCH),
    duplicateRate: real('duplicateRate', options.duplicateRate, 0.05, 0, 0.9),
    requestTimeoutMs: integer(
      'requestTimeoutMs',
      options.requestTimeoutMs,
      provider === 'pubnub' ? PUBNUB_RESEND_DELAY_MS : provider === 'pusher' ? PUSHER_ANSWER_TIMEOUT_MS : 15_000,
      1,
      600_000,
    ),
    verify: options.verify ?? true,
    settleMs: integer('settleMs', options.settleMs, 5000, 0, 600_000),
    progressIntervalMs: integer('progressIntervalMs', options.progressIntervalMs, 500, 10, 600_000),
    maxRunMs: () => 0,
  };
  if (urls !== undefined) resolved.urls = urls;
  if (options.receiver !== undefined) resolved.receiver = options.receiver;
  if (options.secretHeader !== undefined) resolved.secretHeader = options.secretHeader;
  if (options.readToken !== undefined) resolved.readToken = options.readToken;
  const explicit = options.maxRunMs === undefined ? undefined : integer('maxRunMs', options.maxRunMs, 0, 1, 24 * 3_600_000);
  // The provider's own give-up window after the last event, compressed, plus answer timeouts and a margin.
  const tail =
    provider === 'ably'
      ? ABLY_RETENTION_MS + ABLY_BACKOFF_MAX_MS
      : provider === 'pusher'
        ? PUSHER_MAX_NETWORK_DELAY_MS + PUSHER_RETRY_WINDOW_MS
        : PUBNUB_MAX_NETWORK_DELAY_MS + PUBNUB_MAX_ATTEMPTS * PUBNUB_RESEND_DELAY_MS;
  const attempts = provider === 'ably' ? 8 : provider === 'pusher' ? pusherRetryDelays().length + 1 : PUBNUB_MAX_ATTEMPTS;
  resolved.maxRunMs = (spanMs) =>
    explicit ?? Math.ceil((spanMs + tail) / resolved.timeScale + attempts * resolved.requestTimeoutMs + 30_000);
  return resolved;
}
