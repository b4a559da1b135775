import type { ChannelEvent, PresenceEvent } from '../events.js';
import { ItemProblem } from '../errors.js';
import { MAX_TIME_MS } from '../values.js';
import type { Normalised } from './provider.js';

/**
 * Bounds on what one delivery can make the process hold, and on the provider times it can set.
 * Checked once, on every provider's normalised events (buildProviders wraps each provider's
 * `normalise`): an event over a bound is an item problem (reported to onError, not applied), the
 * delivery's other events stand. Pure.
 */

/**
 * Default `maxClockSkewMs`: 5 minutes. Provider clocks are NTP-synchronised and a webhook arrives
 * within seconds of its event; five minutes leaves room for a receiver whose clock lags (a VM
 * resumed, a container without NTP) while a time from the future cannot pin a member for longer.
 */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * Default `maxChannelNameLength`: 2048 characters. Above every provider's own limit (PubNub 92
 * characters, Pusher 164; Ably sets none and recommends staying under 2048), so no real channel is
 * refused, while 64 KiB names cannot be stored by the thousand.
 */
export const DEFAULT_MAX_CHANNEL_NAME_LENGTH = 2048;

/**
 * Member keys and ids (clientId, connectionId, uuid, user_id, message ids): 1024 characters at most.
 * Real ones are tens of characters (PubNub uuids: 92 at most; Ably ids: connectionId:serial:index).
 */
export const MAX_ID_LENGTH = 1024;

/**
 * Decoded member (or message) data: 32 levels of nesting at most, the one depth limit for every
 * store. Presence data is a few levels deep; 32 leaves room for any real state, stays well below what
 * Redis' Lua (cjson / cmsgpack) can take (it fails from about 99 levels) and below any recursion limit.
 */
export const MAX_DATA_DEPTH = 32;

/**
 * Decoded data: 10,000 nodes (values: objects, arrays, strings, numbers...) per member at most.
 * A member's data is small (Ably presence data is limited by its 64 KiB message size, PubNub state to
 * 32 KiB); `[{},{},...]` filling a 4.9 MiB body would be 1.6 million objects, about 105 MB of heap.
 */
export const MAX_DATA_NODES = 10_000;

/** Decoded data of all the events of one delivery: 100,000 nodes at most (a few MB of heap). */
export const MAX_DELIVERY_DATA_NODES = 100_000;

export interface ItemBounds {
  /** The receiver's clock. */
  now: () => number;
  /** A provider time more than this ahead of `now()` is refused. */
  maxClockSkewMs: number;
  maxChannelNameLength: number;
}

/** dataNodes' walk state (the walk is synchronous: one walk at a time). */
let walked = 0;
let walkLimit = 0;
let tooDeep = false;

/** Visit `value` at `depth`; false stops the walk (over the limit, or too deep). Recursion is bounded by MAX_DATA_DEPTH. */
function visit(value: unknown, depth: number): boolean {
  if (++walked > walkLimit) return false;
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    if (value.length === 0) return true;
    if (depth >= MAX_DATA_DEPTH) return !(tooDeep = true);
    for (let i = 0; i < value.length; i++) if (!visit(value[i], depth + 1)) return false;
    return true;
  }
  if (ArrayBuffer.isView(value)) return true;
  // for-in: no array of keys per object (decoded data are plain objects: nothing inherited is enumerable).
  for (const key in value) {
    if (depth >= MAX_DATA_DEPTH) return !(tooDeep = true);
    if (!visit((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/**
 * The size of decoded data in values (nodes), stopping as soon as it is over `limit`; `Infinity` when
 * nested deeper than MAX_DATA_DEPTH levels (the top value is level 1).
 */
export function dataNodes(data: unknown, limit: number): number {
  if (data === undefined) return 0;
  walked = 0;
  walkLimit = limit;
  tooDeep = false;
  visit(data, 1);
  return tooDeep ? Infinity : walked;
}

/** What one delivery has spent of its data budget. */
interface Budget {
  nodes: number;
}

/** Why decoded data is refused, or undefined. The budget is spent only by accepted data. */
function dataProblem(data: unknown, budget: Budget): string | undefined {
  if (data === undefined) return undefined;
  const nodes = dataNodes(data, MAX_DATA_NODES);
  if (nodes === Infinity) return `has data nested deeper than ${MAX_DATA_DEPTH} levels`;
  if (nodes > MAX_DATA_NODES) return `has data of more than ${MAX_DATA_NODES} values`;
  if (budget.nodes + nodes > MAX_DELIVERY_DATA_NODES)
    return `has data over the delivery's budget of ${MAX_DELIVERY_DATA_NODES} values (the delivery's earlier items used it)`;
  budget.nodes += nodes;
  return undefined;
}

function timeProblem(time: number, bounds: ItemBounds, now: number): string | undefined {
  if (!Number.isFinite(time) || time < 0) return 'has no valid time';
  if (time - now > bounds.maxClockSkewMs)
    return `has a time ${new Date(Math.min(time, MAX_TIME_MS)).toISOString()}, more than maxClockSkewMs (${bounds.maxClockSkewMs} ms) ahead of this receiver's clock`;
  return undefined;
}

function channelProblem(channel: string, bounds: ItemBounds): string | undefined {
  return channel.length > bounds.maxChannelNameLength
    ? `has a channel name of ${channel.length} characters (maxChannelNameLength: ${bounds.maxChannelNameLength})`
    : undefined;
}

function presenceProblem(event: PresenceEvent, bounds: ItemBounds, now: number, budget: Budget): string | undefined {
  const channel = channelProblem(event.channel, bounds);
  if (channel !== undefined) return channel;
  if (event.memberKey.length > MAX_ID_LENGTH || event.member.clientId.length > MAX_ID_LENGTH)
    return `has a member key over ${MAX_ID_LENGTH} characters`;
  if (event.order.id.length > MAX_ID_LENGTH) return `has an id over ${MAX_ID_LENGTH} characters`;
  const { ts } = event.order;
  const { timestamp } = event.member;
  // The order's time is mostly the member's (Ably): checked once then.
  return (
    timeProblem(ts, bounds, now) ??
    (timestamp === ts ? undefined : timeProblem(timestamp, bounds, now)) ??
    dataProblem(event.member.data, budget)
  );
}

function channelEventProblem(event: ChannelEvent, bounds: ItemBounds, now: number, budget: Budget): string | undefined {
  const { payload } = event;
  const problem = channelProblem(payload.channel, bounds) ?? timeProblem(payload.timestamp, bounds, now);
  if (problem !== undefined || event.name !== 'message') return problem;
  const { message } = event.payload;
  if ((message.id?.length ?? 0) > MAX_ID_LENGTH || (message.clientId?.length ?? 0) > MAX_ID_LENGTH)
    return `has an id over ${MAX_ID_LENGTH} characters`;
  return timeProblem(message.timestamp, bounds, now) ?? dataProblem(message.data, budget);
}

/**
 * The events of `normalised` within the bounds; each event over one becomes an item problem (its
 * message names the channel, cut short, and the bound: never the data or the id).
 */
export function withinBounds(normalised: Normalised, bounds: ItemBounds): Normalised {
  const now = bounds.now();
  const budget: Budget = { nodes: 0 };
  const { problems } = normalised;
  const refuse = (provider: string, channel: string, what: string, why: string): false => {
    const cut = channel.length > 64 ? `${channel.slice(0, 61)}...` : channel;
    problems.push(
      new ItemProblem('invalid_item', `${provider} ${what} on channel ${JSON.stringify(cut)} ${why}: not applied`, { channel: cut }),
    );
    return false;
  };
  const presence = normalised.presence.filter((event) => {
    const why = presenceProblem(event, bounds, now, budget);
    return why === undefined || refuse(event.provider, event.channel, 'presence event', why);
  });
  const channel = normalised.channel.filter((event) => {
    const why = channelEventProblem(event, bounds, now, budget);
    return why === undefined || refuse(event.payload.provider, event.payload.channel, `${event.name} event`, why);
  });
  return { presence, channel, problems };
}
