import type { BuiltRequest } from './ably-builders.js';
import type { SecretOptions } from './secret-options.js';
import { withSecret } from './secret-options.js';

/** PubNub presence event kinds, as the legacy webhooks name them (`action` / multipart `status`). */
export type PubNubMemberAction = 'join' | 'leave' | 'timeout' | 'state-change';
export type PubNubChannelStatus = 'active' | 'inactive';
export type PubNubEventsKind = PubNubMemberAction | PubNubChannelStatus | 'interval';

/** The Events & Actions schema PubNub sends for each kind. */
export const PUBNUB_SCHEMAS: Readonly<Record<PubNubEventsKind, string>> = {
  join: 'pubnub.com/schemas/events/presence.user.channel.joined?v=1.0.0',
  leave: 'pubnub.com/schemas/events/presence.user.channel.left?v=1.0.0',
  timeout: 'pubnub.com/schemas/events/presence.user.timedout.in.channel?v=1.0.0',
  'state-change': 'pubnub.com/schemas/events/presence.channel.user.state.in.changed?v=1.0.0',
  active: 'pubnub.com/schemas/events/presence.channel.state.active?v=1.0.0',
  inactive: 'pubnub.com/schemas/events/presence.channel.state.inactive?v=1.0.0',
  interval: 'pubnub.com/schemas/events/presence.channel.occupancy.counted?v=1.0.0',
};

export const PUBNUB_SUB_KEY = 'sub-c-5f1b4d2e-9a3c-4f7e-8b6d-0c2a1e3f4b5d';

/** How a built request carries the shared secret: in a header (default `x-webhook-secret`) or in `?secret=`. */
export type PubNubSecretOptions = SecretOptions;

/** A built PubNub request: POST `body` with `headers` to the webhook URL followed by `query`. */
export interface PubNubBuiltRequest extends BuiltRequest {
  /** `''`, or `?secret=...` when the secret travels in the query: append it to the webhook URL. */
  query: string;
}

function secured(headers: Record<string, string>, body: Uint8Array, options: SecretOptions): PubNubBuiltRequest {
  return { ...withSecret(headers, options), body };
}

function jsonRequest(payload: unknown, options: PubNubSecretOptions): PubNubBuiltRequest {
  return secured({ 'content-type': 'application/json' }, new TextEncoder().encode(JSON.stringify(payload)), options);
}

/** A legacy presence webhook event. `timestamp` is in Unix seconds, as PubNub sends it. */
export interface PubNubLegacyEvent {
  action: PubNubMemberAction;
  channel: string;
  uuid: string;
  /** Unix seconds. */
  timestamp: number;
  occupancy: number;
  /** The member's full state. */
  data?: unknown;
  subKey?: string;
}

/** The JSON body of a legacy presence webhook (key order as PubNub documents it). */
export function pubnubLegacyBody(event: PubNubLegacyEvent): Record<string, unknown> {
  const body: Record<string, unknown> = {
    action: event.action,
    sub_key: event.subKey ?? PUBNUB_SUB_KEY,
    channel: event.channel,
    uuid: event.uuid,
    timestamp: event.timestamp,
    occupancy: event.occupancy,
  };
  if (event.data !== undefined) body.data = event.data;
  return body;
}

/** A legacy presence webhook request (application/json). */
export function pubnubLegacyRequest(event: PubNubLegacyEvent, options: PubNubSecretOptions = {}): PubNubBuiltRequest {
  return jsonRequest(pubnubLegacyBody(event), options);
}

export interface PubNubChannelStatusEvent {
  channel: string;
  status: PubNubChannelStatus;
  /** Unix seconds. */
  timestamp: number;
  subKey?: string;
}

/** A multipart/form-data body from text fields, with CRLF line ends. */
export function multipartBody(fields: readonly (readonly [string, string])[], boundary: string): Uint8Array {
  const lines: string[] = [];
  for (const [name, value] of fields) lines.push(`--${boundary}`, `Content-Disposition: form-data; name="${name}"`, '', value);
  lines.push(`--${boundary}--`, '');
  return new TextEncoder().encode(lines.join('\r\n'));
}

/** A channel active / inactive webhook: multipart/form-data with sub_key, channel, status, timestamp. */
export function pubnubChannelStatusRequest(
  event: PubNubChannelStatusEvent,
  options: PubNubSecretOptions & { boundary?: string } = {},
): PubNubBuiltRequest {
  const boundary = options.boundary ?? '----PubNubPresenceBoundary7MA4YWxkTrZu0gW';
  const body = multipartBody(
    [
      ['sub_key', event.subKey ?? PUBNUB_SUB_KEY],
      ['channel', event.channel],
      ['status', event.status],
      ['timestamp', String(event.timestamp)],
    ],
    boundary,
  );
  return secured({ 'content-type': `multipart/form-data; boundary=${boundary}` }, body, options);
}

/** One Events & Actions item. `timestampMs` goes out as `precise_timestamp` (ms) and `timestamp` (s, a string). */
export interface PubNubEventItemInput {
  id: string;
  channel: string;
  userId?: string;
  timestampMs: number;
  occupancy?: number;
  /** The member's state: sent as a JSON-encoded string, as E&A does. */
  state?: unknown;
  subKey?: string;
  /** Leave out precise_timestamp (only the seconds remain). */
  secondsOnly?: boolean;
}

export function pubnubEventItem(input: PubNubEventItemInput): Record<string, unknown> {
  const item: Record<string, unknown> = { id: input.id, channel: input.channel };
  if (input.userId !== undefined) item.userId = input.userId;
  if (input.occupancy !== undefined) item.occupancy = input.occupancy;
  item.subKey = input.subKey ?? PUBNUB_SUB_KEY;
  const data: Record<string, unknown> = { timestamp: String(Math.floor(input.timestampMs / 1000)) };
  if (input.secondsOnly !== true) data.precise_timestamp = input.timestampMs;
  if (input.state !== undefined) data.state = JSON.stringify(input.state);
  item.data = data;
  return item;
}

export interface PubNubEventsOptions extends PubNubSecretOptions {
  /** Wrap in the E&A metadata envelope: `{ event: { id, payload: { schema, data } }, eventsAndActionsMetadata }`. */
  enveloped?: boolean;
  /** The key naming the schema: `schema` (default) or `dataSchema`. */
  schemaKey?: 'schema' | 'dataSchema';
  /** Send `data` as a single item object instead of an array (only with one item). */
  single?: boolean;
  /** Envelope id (enveloped only); default derived from the first item id, so resends stay identical. */
  envelopeId?: string;
}

/** An Events & Actions presence body: unenveloped `{ schema, data: [...] }` or enveloped. */
export function pubnubEventsBody(
  kind: PubNubEventsKind,
  items: readonly Record<string, unknown>[],
  options: PubNubEventsOptions = {},
): Record<string, unknown> {
  const data = options.single === true && items.length === 1 ? items[0] : items;
  const payload = { [options.schemaKey ?? 'schema']: PUBNUB_SCHEMAS[kind], data };
  if (options.enveloped !== true) return payload;
  const first = items[0]?.id;
  return {
    event: { id: options.envelopeId ?? `env-${typeof first === 'string' ? first : 'batch'}`, payload },
    eventsAndActionsMetadata: {
      eventListenerMetadata: { eventListenerId: '285d0e25-26f3-4c28-8e03-28923cabe72c' },
      actionMetadata: { actionId: 'c1609a41-1def-473d-a34f-2b86bb8024a1' },
    },
  };
}

/** An Events & Actions presence webhook request (application/json). */
export function pubnubEventsRequest(
  kind: PubNubEventsKind,
  items: readonly Record<string, unknown>[],
  options: PubNubEventsOptions = {},
): PubNubBuiltRequest {
  return jsonRequest(pubnubEventsBody(kind, items, options), options);
}
