import type { DecodedBody } from '../../http/decode-body.js';
import { isRecord } from '../../values.js';
import { eventsPayload, schemaOf } from './events-and-actions.js';
import { PRESENCE_SCHEMA_PREFIX } from './schemas.js';

/**
 * By shape: a legacy presence webhook (`action` with `uuid` or `sub_key`), an Events & Actions
 * presence delivery (enveloped or not), or a multipart channel webhook with a `status` field.
 */
export function pubnubClaimsBody(body: DecodedBody): boolean {
  if (body.kind === 'multipart') return Object.hasOwn(body.fields, 'status');
  if (body.kind !== 'json') return false;
  const value = body.value;
  if (!isRecord(value)) return false;
  if (typeof value.action === 'string' && (typeof value.uuid === 'string' || typeof value.sub_key === 'string')) return true;
  const schema = schemaOf(eventsPayload(value));
  return typeof schema === 'string' && schema.includes(PRESENCE_SCHEMA_PREFIX);
}
