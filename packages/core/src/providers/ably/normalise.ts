import type { ChannelEvent } from '../../events.js';
import { ItemProblem, WebhookError } from '../../errors.js';
import type { DecodedBody } from '../../http/decode-body.js';
import type { RequestHeaders } from '../../http/headers.js';
import { getHeader } from '../../http/headers.js';
import type { Normalised } from '../provider.js';
import type { CipherKey } from './options.js';
import type { DecodeContext } from './presence-message.js';
import { isRecord, timeDigits, timeNumber } from '../../values.js';
import { channelMessageFromRaw, presenceEventFromRaw } from './presence-message.js';

const utf8 = new TextDecoder('utf-8');

type CipherLookup = (channel: string) => CipherKey | undefined;

/** One unit of an Ably delivery: a batched item, or the single object of an enveloped request. */
interface Unit {
  source: unknown;
  name?: unknown;
  channel: unknown;
  timestamp: unknown;
  presence?: unknown;
  messages?: unknown;
  /** lifecycle / occupancy details */
  data?: Record<string, unknown>;
}

function channelOf(data: Record<string, unknown>): unknown {
  return data.channelId ?? data.name ?? data.channel;
}

function unitFromItem(item: Record<string, unknown>): Unit {
  const data = isRecord(item.data) ? item.data : {};
  return {
    source: item.source,
    name: item.name,
    channel: channelOf(data),
    timestamp: item.timestamp,
    presence: data.presence,
    messages: data.messages,
    data,
  };
}

function unitFromEnvelope(body: Record<string, unknown>): Unit {
  const data = isRecord(body.data) ? body.data : body;
  return {
    source: body.source,
    name: body.name ?? data.name,
    channel: body.channel ?? channelOf(data),
    timestamp: body.timestamp,
    presence: body.presence,
    messages: body.messages,
    data,
  };
}

function metricsOf(data: Record<string, unknown>): Record<string, number> {
  const status = isRecord(data.status) ? data.status : data;
  const occupancy = isRecord(status.occupancy) ? status.occupancy : status;
  const metrics = isRecord(occupancy.metrics) ? occupancy.metrics : occupancy;
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  return out;
}

function normaliseUnit(unit: Unit, out: Normalised, cipherKey: CipherLookup): void {
  const bad = (why: string) => out.problems.push(new ItemProblem('invalid_item', `Ably ${String(unit.source)} item ${why}`));
  if (typeof unit.channel !== 'string' || unit.channel === '') return void bad('has no channel name');
  const channel = unit.channel;
  const timestamp = timeNumber(unit.timestamp) ?? Date.now();
  const ctx: DecodeContext = { channel, cipherKey, problems: out.problems };
  switch (unit.source) {
    case 'channel.presence': {
      // Legacy 0.8 webhooks carry one presence object instead of an array.
      const list = Array.isArray(unit.presence) ? unit.presence : isRecord(unit.presence) ? [unit.presence] : undefined;
      if (list === undefined) return void bad('has no presence array');
      return pushPresence(list, ctx, out);
    }
    case 'channel.message': {
      if (!Array.isArray(unit.messages)) return void bad('has no messages array');
      for (const raw of unit.messages) {
        const message = channelMessageFromRaw(raw, ctx, timestamp);
        if (message instanceof ItemProblem) out.problems.push(message);
        else out.channel.push({ name: 'message', payload: { provider: 'ably', channel, timestamp: message.timestamp, message } });
      }
      return;
    }
    case 'channel.lifecycle': {
      const name = unit.name === 'channel.opened' ? 'channel.active' : unit.name === 'channel.closed' ? 'channel.inactive' : undefined;
      if (name === undefined) return void bad(`has an unknown name ${JSON.stringify(unit.name)}`);
      out.channel.push({ name, payload: { provider: 'ably', channel, timestamp } });
      return;
    }
    case 'channel.occupancy': {
      const metrics = metricsOf(unit.data ?? {});
      const payload: ChannelEvent = { name: 'occupancy', payload: { provider: 'ably', channel, timestamp, metrics } };
      if (metrics.presenceMembers !== undefined) payload.payload.occupancy = metrics.presenceMembers;
      out.channel.push(payload);
      return;
    }
    default:
      bad('has an unknown source');
  }
}

/** Non-enveloped mode: the body is the message's data; everything else is in x-ably-* headers. */
function unitFromHeaders(body: DecodedBody, headers: RequestHeaders, bytes: Uint8Array): Unit {
  const h = (name: string) => getHeader(headers, name);
  const encoding = h('x-ably-message-encoding');
  let data: unknown;
  if (encoding !== undefined && encoding !== '') {
    // The chain applies to the data as sent, not to our parse of it.
    data = body.kind === 'binary' || body.kind === 'msgpack' ? bytes : utf8.decode(bytes);
  } else if (body.kind !== 'multipart') {
    data = body.value;
  }
  const raw: Record<string, unknown> = {
    id: h('x-ably-message-id'),
    clientId: h('x-ably-message-client-id'),
    connectionId: h('x-ably-message-connection-id'),
    // Header text: decimal digits only (anything else is no timestamp, and the message an item problem).
    timestamp: timeDigits(h('x-ably-message-timestamp') ?? h('x-ably-envelope-timestamp')),
    action: h('x-ably-message-action'),
    name: h('x-ably-message-name'),
  };
  if (data !== undefined) raw.data = data;
  if (encoding !== undefined && encoding !== '') raw.encoding = encoding;
  const source = h('x-ably-envelope-source');
  const list = [raw];
  return {
    source,
    name: h('x-ably-message-name'),
    channel: h('x-ably-envelope-channel'),
    timestamp: raw.timestamp,
    presence: source === 'channel.presence' ? list : undefined,
    messages: source === 'channel.message' ? list : undefined,
    data: isRecord(data) ? data : {},
  };
}

/**
 * An Ably delivery to normalised events: batched `{ items }`, an enveloped single request
 * `{ source, channel, presence | messages, ... }`, a non-enveloped request (data as the body,
 * metadata in headers), and legacy 0.8 bodies. Throws 400 when the body has none of these shapes.
 */
export function normaliseAbly(body: DecodedBody, headers: RequestHeaders, bytes: Uint8Array, cipherKey: CipherLookup): Normalised {
  const out: Normalised = { presence: [], channel: [], problems: [] };
  // Non-enveloped mode: the envelope's metadata is in x-ably-envelope-* headers.
  if (headers['x-ably-envelope-source'] !== undefined || headers['x-ably-envelope-channel'] !== undefined) {
    normaliseUnit(unitFromHeaders(body, headers, bytes), out, cipherKey);
  } else {
    const value = body.kind === 'json' || body.kind === 'msgpack' ? body.value : undefined;
    if (!isRecord(value))
      throw new WebhookError(400, 'unknown_shape', 'An Ably webhook body must be an object with "items" or an enveloped single request');
    const items = value.items;
    if (Array.isArray(items)) {
      // One context for the whole batch; its channel is set per item.
      const ctx: DecodeContext = {
        channel: '',
        keysClean: body.kind === 'json' && body.keysClean === true,
        cipherKey,
        problems: out.problems,
      };
      for (let i = 0; i < items.length; i++) {
        const item: unknown = items[i];
        if (!isRecord(item)) {
          out.problems.push(new ItemProblem('invalid_item', 'Ably batch item is not an object'));
          continue;
        }
        // The common case, a presence item with a channel and a presence array, is decoded without building a Unit.
        const data = item.source === 'channel.presence' && isRecord(item.data) ? item.data : undefined;
        const channel = data === undefined ? undefined : channelOf(data);
        const list = data?.presence;
        if (typeof channel === 'string' && channel !== '' && Array.isArray(list)) {
          ctx.channel = channel;
          pushPresence(list, ctx, out);
        } else normaliseUnit(unitFromItem(item), out, cipherKey);
      }
    } else if (typeof value.source === 'string') {
      normaliseUnit(unitFromEnvelope(value), out, cipherKey);
    } else {
      throw new WebhookError(400, 'unknown_shape', 'An Ably webhook body must be an object with "items" or an enveloped single request');
    }
  }
  return out;
}

/** Decode a list of raw presence messages of one channel into events, or item problems. */
function pushPresence(list: readonly unknown[], ctx: DecodeContext, out: Normalised): void {
  for (let i = 0; i < list.length; i++) {
    const event = presenceEventFromRaw(list[i], ctx);
    if (event instanceof ItemProblem) out.problems.push(event);
    else out.presence.push(event);
  }
}
