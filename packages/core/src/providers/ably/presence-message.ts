import type { ChannelMessage, Member, PresenceEvent } from '../../events.js';
import { ItemProblem } from '../../errors.js';
import { ablyOrderKey } from '../../order-key.js';
import { isRecord, timeNumber } from '../../values.js';
import { parseJson } from '../../http/safe-json.js';
import { decodeData } from './encoding.js';
import type { CipherKey } from './options.js';

/** PresenceMessage.Action: ABSENT 0, PRESENT 1, ENTER 2, LEAVE 3, UPDATE 4; legacy 0.8 webhooks send the names. */
const ACTIONS = ['absent', 'present', 'enter', 'leave', 'update'] as const;
export type AblyPresenceAction = (typeof ACTIONS)[number];

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export interface DecodeContext {
  channel: string;
  /** True when the body's JSON text spelled no guarded key: its `json` data strings go to JSON.parse as they are. */
  keysClean?: boolean;
  cipherKey: (channel: string) => CipherKey | undefined;
  /** Where a residual encoding gets reported. */
  problems: ItemProblem[];
}

function decodeInto<T extends { data?: unknown; encoding?: string }>(
  target: T,
  raw: Record<string, unknown>,
  ctx: DecodeContext,
  what: string,
): void {
  const { data, encoding } = raw;
  if (data === undefined) return;
  // The common cases, no chain to walk: no encoding (the data as sent), and JSON data as text (what ably-js sends for an object).
  if (encoding === undefined) {
    target.data = data;
    return;
  }
  if (encoding === 'json' && typeof data === 'string') {
    try {
      target.data = ctx.keysClean === true ? JSON.parse(data) : parseJson(data);
      return;
    } catch {
      // the general path below reports it, with the residual encoding
    }
  }
  const decoded = decodeData(data, encoding, () => ctx.cipherKey(ctx.channel));
  target.data = decoded.data;
  if (decoded.encoding !== undefined) {
    target.encoding = decoded.encoding;
    ctx.problems.push(
      new ItemProblem(
        'decode_failed',
        `${what} on channel "${ctx.channel}": ${decoded.problem ?? 'decoding stopped'}; residual encoding "${decoded.encoding}" kept`,
        { channel: ctx.channel, encoding: decoded.encoding },
      ),
    );
  }
}

function badPresence(ctx: DecodeContext, why: string): ItemProblem {
  return new ItemProblem('invalid_item', `Ably presence message on channel "${ctx.channel}" ${why}`, { channel: ctx.channel });
}

/**
 * One raw Ably presence message to a normalised event, or a 200-level problem for the item.
 * memberKey = connectionId:clientId (two connections of one client are two members).
 */
export function presenceEventFromRaw(raw: unknown, ctx: DecodeContext): PresenceEvent | ItemProblem {
  if (!isRecord(raw)) return badPresence(ctx, 'is not an object');
  // Its action: the number, or the name (any case) that legacy webhooks send.
  const given = raw.action;
  const named = typeof given === 'string' ? given.toLowerCase() : undefined;
  const action: AblyPresenceAction | undefined =
    typeof given === 'number'
      ? ACTIONS[given]
      : named !== undefined && (ACTIONS as readonly string[]).includes(named)
        ? (named as AblyPresenceAction)
        : undefined;
  if (action === undefined) return badPresence(ctx, `has an unknown action ${JSON.stringify(raw.action)}`);
  const clientId = raw.clientId;
  const connectionId = raw.connectionId;
  if (typeof clientId !== 'string' || clientId === '') return badPresence(ctx, 'has no clientId');
  if (typeof connectionId !== 'string' || connectionId === '') return badPresence(ctx, 'has no connectionId');
  const timestamp = timeNumber(raw.timestamp);
  if (timestamp === undefined) return badPresence(ctx, 'has no valid timestamp');
  const id = typeof raw.id === 'string' ? raw.id : '';
  const member: Member = { clientId, connectionId, timestamp };
  if (raw.data !== undefined) decodeInto(member, raw, ctx, `Presence data of ${clientId}`);
  const present = action === 'enter' || action === 'present' || action === 'update';
  const order = ablyOrderKey(id, connectionId, timestamp, !present);
  const memberKey = `${connectionId}:${clientId}`;
  // `userId` is in the literal (the receiver sets it when user levels are on): set later, it would grow every event.
  if (present) return { provider: 'ably', channel: ctx.channel, memberKey, present, member, order, userId: undefined };
  const reason = order.serial < 0 ? 'synthetic' : 'leave';
  return { provider: 'ably', channel: ctx.channel, memberKey, present, member, order, reason, userId: undefined };
}

/** One raw Ably channel message to the payload of a `message` event. */
export function channelMessageFromRaw(raw: unknown, ctx: DecodeContext, fallbackTimestamp: number): ChannelMessage | ItemProblem {
  if (!isRecord(raw))
    return new ItemProblem('invalid_item', `Ably message on channel "${ctx.channel}" is not an object`, { channel: ctx.channel });
  const message: ChannelMessage = { timestamp: timeNumber(raw.timestamp) ?? fallbackTimestamp };
  for (const field of ['id', 'name', 'clientId', 'connectionId'] as const) {
    const value = optionalString(raw[field]);
    if (value !== undefined) message[field] = value;
  }
  decodeInto(message, raw, ctx, `Message ${message.id ?? ''}`.trim());
  return message;
}
