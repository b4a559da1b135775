import { WebhookError } from '../../errors.js';
import type { DecodedBody } from '../../http/decode-body.js';
import { isRecord } from '../../values.js';
import type { Normalised } from '../provider.js';
import { normaliseEventsAndActions } from './events-and-actions.js';
import { normaliseChannelStatus, normaliseLegacyJson } from './legacy.js';

/**
 * A PubNub delivery to normalised events: a legacy presence webhook (JSON), a channel active /
 * inactive webhook (multipart/form-data), or an Events & Actions presence batch (enveloped or
 * not). Throws 400 when the body has none of these shapes; bad E&A items are reported as problems.
 */
export function normalisePubNub(body: DecodedBody): Normalised {
  const out: Normalised = { presence: [], channel: [], problems: [] };
  if (body.kind === 'multipart') {
    normaliseChannelStatus(body.fields, out);
    return out;
  }
  const value = body.kind === 'json' ? body.value : undefined;
  if (!isRecord(value))
    throw new WebhookError(400, 'unknown_shape', 'A PubNub webhook body must be a JSON object or a multipart/form-data channel webhook');
  if (value.action !== undefined) normaliseLegacyJson(value, out);
  else normaliseEventsAndActions(value, out);
  return out;
}
