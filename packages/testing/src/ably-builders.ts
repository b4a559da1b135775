import { encode } from '@msgpack/msgpack';
import type { SecretOptions } from './secret-options.js';
import { withSecret } from './secret-options.js';
import { ablyKeyName, signAbly } from './sign.js';

/** A raw Ably presence message as it travels in webhooks (action as the integer enum). */
export interface RawAblyPresence {
  id: string;
  clientId: string;
  connectionId: string;
  action: number;
  timestamp: number;
  data?: unknown;
  encoding?: string;
}

export const ABLY_ACTION = { absent: 0, present: 1, enter: 2, leave: 3, update: 4 } as const;

/** The action names, by integer (legacy 0.8 bodies and non-enveloped headers carry names). */
const ACTION_NAMES = ['absent', 'present', 'enter', 'leave', 'update'] as const;

export interface AblyItem {
  webhookId: string;
  source: string;
  serial: string;
  timestamp: number;
  name: string;
  data: Record<string, unknown>;
}

let serial = 0;
function nextSerial(): string {
  serial += 1;
  return `4ab22b4737770514:${serial}`;
}

export function ablyPresenceItem(channel: string, presence: readonly RawAblyPresence[], site = 'eu-west-1-A'): AblyItem {
  const timestamp = presence.reduce((t, p) => Math.max(t, p.timestamp), 0);
  return {
    webhookId: 'N6A8rg',
    source: 'channel.presence',
    serial: nextSerial(),
    timestamp,
    name: 'presence.message',
    data: { channelId: channel, site, presence },
  };
}

export function ablyMessageItem(channel: string, messages: readonly Record<string, unknown>[], timestamp = Date.now()): AblyItem {
  return {
    webhookId: 'd28HJw',
    source: 'channel.message',
    serial: nextSerial(),
    timestamp,
    name: 'channel.message',
    data: { channelId: channel, site: 'eu-central-1-A', messages },
  };
}

export function ablyLifecycleItem(channel: string, opened: boolean, timestamp = Date.now()): AblyItem {
  return {
    webhookId: 'M8T4-Q',
    source: 'channel.lifecycle',
    serial: nextSerial(),
    timestamp,
    name: opened ? 'channel.opened' : 'channel.closed',
    data: { name: channel },
  };
}

export function ablyOccupancyItem(channel: string, metrics: Record<string, number>, timestamp = Date.now()): AblyItem {
  return {
    webhookId: 'Oc7Uq1',
    source: 'channel.occupancy',
    serial: nextSerial(),
    timestamp,
    name: 'channel.occupancy',
    data: { name: channel, status: { occupancy: { metrics } } },
  };
}

export type WireFormat = 'json' | 'msgpack';

/** A built webhook request: POST `body` with `headers` to the webhook URL followed by `query`. */
export interface BuiltRequest {
  headers: Record<string, string>;
  body: Uint8Array;
  /** `''` (or absent), or `?secret=...` when a shared secret travels in the query: append it to the webhook URL. */
  query?: string;
}

/**
 * How an Ably request is serialised and authenticated. Ably signs batched requests with a key
 * (`key`); a single-request rule can instead send a shared secret in a custom header (`secret`,
 * `secretHeader`) or the URL (`secretIn: 'query'`). Both may be given; neither sends it unauthenticated.
 */
export interface SignOptions extends SecretOptions {
  /** `appId.keyId:secret`; omit to send the request unsigned. */
  key?: string;
  /** JSON (default) or MsgPack. */
  format?: WireFormat;
  /** Extra headers (x-ably-version, ...). */
  headers?: Record<string, string>;
}

/** Add X-Ably-Key / X-Ably-Signature for `body` (when a key is given) and the shared secret. */
function authenticate(headers: Record<string, string>, body: Uint8Array, options: SignOptions): BuiltRequest {
  const out = withSecret(headers, options);
  if (options.key !== undefined) {
    out.headers = { ...out.headers, 'x-ably-key': ablyKeyName(options.key), 'x-ably-signature': signAbly(body, options.key) };
  }
  return { headers: out.headers, body, query: out.query };
}

/** Serialise any Ably body as JSON or MsgPack and sign it the way Ably does. */
export function ablyRequest(payload: unknown, options: SignOptions = {}): BuiltRequest {
  const format = options.format ?? 'json';
  const body = format === 'json' ? new TextEncoder().encode(JSON.stringify(payload)) : encode(payload);
  return authenticate(
    { 'content-type': format === 'json' ? 'application/json' : 'application/x-msgpack', ...options.headers },
    body,
    options,
  );
}

/** A batched Ably webhook request `{ items }`, signed. */
export function ablyBatchRequest(items: readonly AblyItem[], options: SignOptions = {}): BuiltRequest {
  return ablyRequest({ items }, options);
}

/** An enveloped single-request Ably webhook for one presence message list. */
export function ablyEnvelopedPresence(channel: string, presence: readonly RawAblyPresence[], options: SignOptions = {}): BuiltRequest {
  const timestamp = presence.reduce((t, p) => Math.max(t, p.timestamp), 0);
  return ablyRequest(
    { source: 'channel.presence', appId: 'appId', channel, site: 'eu-west-1-A', ruleId: 'rule1', timestamp, presence },
    options,
  );
}

/** A legacy (`x-ably-version: 0.8`) batch: one presence object per item, action as a string. */
export function ablyLegacyRequest(channel: string, presence: RawAblyPresence, options: SignOptions = {}): BuiltRequest {
  const legacy = { ...presence, action: ACTION_NAMES[presence.action] };
  const item = { ...ablyPresenceItem(channel, [presence]), data: { channelId: channel, site: 'eu-west-1-A', presence: legacy } };
  return ablyRequest({ items: [item] }, { ...options, headers: { 'x-ably-version': '0.8', ...options.headers } });
}

/** A non-enveloped single-request Ably presence webhook: the data is the body, the rest in headers. */
export function ablyNonEnvelopedPresence(channel: string, presence: RawAblyPresence, options: SignOptions = {}): BuiltRequest {
  const data = presence.data;
  const isText = typeof data === 'string' || data === undefined;
  const body = isText
    ? new TextEncoder().encode(data ?? '')
    : data instanceof Uint8Array
      ? data
      : new TextEncoder().encode(JSON.stringify(data));
  const headers: Record<string, string> = {
    'content-type': isText ? 'text/plain' : data instanceof Uint8Array ? 'application/octet-stream' : 'application/json',
    'x-ably-envelope-appid': 'appId',
    'x-ably-envelope-channel': channel,
    'x-ably-envelope-site': 'eu-west-1-A',
    'x-ably-envelope-rule-id': 'rule1',
    'x-ably-envelope-source': 'channel.presence',
    'x-ably-message-id': presence.id,
    'x-ably-message-client-id': presence.clientId,
    'x-ably-message-connection-id': presence.connectionId,
    'x-ably-message-timestamp': String(presence.timestamp),
    'x-ably-message-action': ACTION_NAMES[presence.action] ?? 'present',
    ...options.headers,
  };
  if (presence.encoding !== undefined) headers['x-ably-message-encoding'] = presence.encoding;
  return authenticate(headers, body, options);
}
