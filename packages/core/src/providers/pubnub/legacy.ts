import { WebhookError } from '../../errors.js';
import type { Normalised } from '../provider.js';
import { contentId } from './content-id.js';
import type { PubNubEventFields } from './event.js';
import { pushEvent, toOccupancy } from './event.js';
import { kindOfLegacyAction } from './schemas.js';
import { parseState } from './state.js';
import { secondsToMs } from './time.js';

function shape(message: string): WebhookError {
  return new WebhookError(400, 'unknown_shape', `PubNub presence webhook ${message}`);
}

/**
 * A legacy presence webhook (JSON): `{ action: join|leave|timeout|state-change, sub_key, channel,
 * uuid, timestamp (s), occupancy, data }`. The body is one event, so a missing field is a 400.
 * It has no id: the id is a digest of its content, so a resend of the same body is a duplicate.
 */
export function normaliseLegacyJson(body: Record<string, unknown>, out: Normalised): void {
  const kind = kindOfLegacyAction(body.action);
  if (kind === undefined) throw shape(`has an unknown action ${JSON.stringify(body.action)}`);
  if (typeof body.channel !== 'string' || body.channel === '') throw shape('has no channel');
  const timestamp = secondsToMs(body.timestamp);
  if (timestamp === undefined) throw shape('has no valid timestamp (Unix seconds)');
  const occupancy = toOccupancy(body.occupancy);
  const needsMember = kind === 'join' || kind === 'leave' || kind === 'timeout' || kind === 'state-change';
  if (needsMember && (typeof body.uuid !== 'string' || body.uuid === '')) throw shape(`"${kind}" has no uuid`);
  // state-change webhooks have been seen with the state in `state` rather than `data`.
  const state = parseState(body.data ?? body.state);
  const fields: PubNubEventFields = {
    kind,
    channel: body.channel,
    timestamp,
    id: contentId(['legacy', kind, body.sub_key, body.channel, body.uuid, body.timestamp, body.occupancy, state]),
  };
  if (typeof body.uuid === 'string') fields.uuid = body.uuid;
  if (occupancy !== undefined) fields.occupancy = occupancy;
  if (state !== undefined) fields.state = state;
  pushEvent(fields, out);
}

/** Channel active / inactive (multipart/form-data): fields `sub_key`, `channel`, `status`, `timestamp`. */
export function normaliseChannelStatus(fields: Readonly<Record<string, string>>, out: Normalised): void {
  const status = Object.hasOwn(fields, 'status') ? fields.status : undefined;
  const kind = kindOfLegacyAction(status);
  if (kind !== 'active' && kind !== 'inactive')
    throw new WebhookError(
      400,
      'unknown_shape',
      `PubNub channel webhook has status ${JSON.stringify(status)}: expected "active" or "inactive"`,
    );
  const channel = Object.hasOwn(fields, 'channel') ? fields.channel : undefined;
  if (channel === undefined || channel === '') throw new WebhookError(400, 'unknown_shape', 'PubNub channel webhook has no channel field');
  const timestamp = secondsToMs(Object.hasOwn(fields, 'timestamp') ? fields.timestamp : undefined);
  if (timestamp === undefined)
    throw new WebhookError(400, 'unknown_shape', 'PubNub channel webhook has no valid timestamp field (Unix seconds)');
  pushEvent({ kind, channel, timestamp, id: contentId(['status', kind, fields.sub_key, channel, fields.timestamp]) }, out);
}
