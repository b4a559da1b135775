import { ItemProblem, WebhookError } from '../../errors.js';
import { isRecord } from '../../values.js';
import type { Normalised } from '../provider.js';
import { contentId } from './content-id.js';
import type { PubNubEventFields } from './event.js';
import { pushEvent, toOccupancy } from './event.js';
import type { PubNubEventKind } from './schemas.js';
import { kindOfSchema } from './schemas.js';
import { parseState } from './state.js';
import { eventTime } from './time.js';

/**
 * The two Events & Actions variants we accept:
 * - unenveloped (E&A's default): `{ schema | dataSchema, data: [item, ...] }`;
 * - enveloped (E&A metadata included, envelope 2.x): `{ event: { id, payload: { schema | dataSchema, data } }, ... }`.
 * `data` may also be a single item object.
 */
export function eventsPayload(body: Record<string, unknown>): Record<string, unknown> {
  const event = body.event;
  if (isRecord(event) && isRecord(event.payload)) return event.payload;
  return body;
}

export function schemaOf(payload: Record<string, unknown>): unknown {
  return payload.schema ?? payload.dataSchema;
}

const MEMBER_KINDS: ReadonlySet<PubNubEventKind> = new Set(['join', 'leave', 'timeout', 'state-change']);

function countOf(value: unknown): number | undefined {
  return Array.isArray(value) ? value.length : undefined;
}

/**
 * One E&A item: `{ id, channel, userId, occupancy, subKey, data: { timestamp (s, string),
 * precise_timestamp (ms), state (JSON string) } }`. The older documented form (ISO `timestamp` on
 * the item, `data` being the state itself) is read too. Returns the event fields or a problem.
 */
export function itemFields(kind: PubNubEventKind, item: unknown, index: number): PubNubEventFields | ItemProblem {
  const bad = (why: string) => new ItemProblem('invalid_item', `PubNub Events & Actions ${kind} item ${index} ${why}`, { index });
  if (!isRecord(item)) return bad('is not an object');
  const { channel } = item;
  if (typeof channel !== 'string' || channel === '') return bad('has no channel');
  const meta = isRecord(item.data) ? item.data : {};
  const nested = 'timestamp' in meta || 'precise_timestamp' in meta || 'state' in meta;
  const timestamp = eventTime(meta.precise_timestamp ?? item.precise_timestamp, meta.timestamp ?? item.timestamp);
  if (timestamp === undefined) return bad('has no valid timestamp or precise_timestamp');
  const id = typeof item.id === 'string' && item.id !== '' ? item.id : contentId(['ena', kind, item]);
  const fields: PubNubEventFields = { kind, channel, timestamp, id };
  const occupancy = toOccupancy(item.occupancy ?? meta.occupancy);
  if (occupancy !== undefined) fields.occupancy = occupancy;
  if (MEMBER_KINDS.has(kind)) {
    const uuid = item.userId ?? item.uuid;
    if (typeof uuid !== 'string' || uuid === '') return bad('has no userId');
    fields.uuid = uuid;
    const state = parseState(nested ? (meta.state ?? item.state) : (item.state ?? item.data));
    if (state !== undefined) fields.state = state;
  } else if (kind === 'interval') {
    const deltas: Record<string, number> = {};
    for (const [name, key] of [
      ['joined', 'usersJoined'],
      ['left', 'usersLeft'],
      ['timedout', 'usersTimedout'],
    ] as const) {
      const n = countOf(item[key] ?? meta[key]);
      if (n !== undefined) deltas[name] = n;
    }
    fields.deltas = deltas;
  }
  return fields;
}

/** An Events & Actions presence delivery (a batch of one schema). Throws 400 when it has no known shape. */
export function normaliseEventsAndActions(body: Record<string, unknown>, out: Normalised): void {
  const payload = eventsPayload(body);
  const schema = schemaOf(payload);
  const kind = typeof schema === 'string' ? kindOfSchema(schema) : undefined;
  if (kind === undefined)
    throw new WebhookError(
      400,
      'unknown_shape',
      `Unknown PubNub Events & Actions schema ${JSON.stringify(schema)}: expected a pubnub.com/schemas/events/presence.* schema`,
    );
  const items = Array.isArray(payload.data) ? payload.data : isRecord(payload.data) ? [payload.data] : undefined;
  if (items === undefined) throw new WebhookError(400, 'unknown_shape', 'PubNub Events & Actions body has no data array');
  items.forEach((item, index) => {
    const fields = itemFields(kind, item, index);
    if (fields instanceof ItemProblem) out.problems.push(fields);
    else pushEvent(fields, out);
  });
}
