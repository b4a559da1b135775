import { createHash } from 'node:crypto';
import { ItemProblem, WebhookError } from '../../errors.js';
import type { DecodedBody } from '../../http/decode-body.js';
import { isRecord } from '../../values.js';
import type { Normalised } from '../provider.js';
import { pusherChannelEvent, pusherPresenceEvent } from './events.js';

/** The digest that names a body in dedupe keys: a retry resends the same bytes, so its events are duplicates. */
export function bodyDigest(raw: Uint8Array): string {
  return createHash('sha256').update(raw).digest('base64url').slice(0, 22);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/**
 * A Pusher webhook `{ time_ms, events: [{ name, channel, user_id? }, ...] }` (one event, or up to
 * a batch) to normalised events. member_added / member_removed go to the store; channel_occupied /
 * channel_vacated are emitted as channel.active / channel.inactive; other names are accepted and
 * ignored. Throws 400 when the body has no such shape; a malformed event is an item problem. Pure.
 */
export function normalisePusher(body: DecodedBody, raw: Uint8Array): Normalised {
  const value = body.kind === 'json' ? body.value : undefined;
  if (!isRecord(value) || !Array.isArray(value.events)) {
    throw new WebhookError(400, 'unknown_shape', 'A Pusher webhook body must be a JSON object { "time_ms": <ms>, "events": [...] }');
  }
  const timeMs = value.time_ms;
  if (typeof timeMs !== 'number' || !Number.isSafeInteger(timeMs) || timeMs < 0) {
    throw new WebhookError(400, 'unknown_shape', 'A Pusher webhook body needs "time_ms": the epoch milliseconds the webhook was created');
  }
  const out: Normalised = { presence: [], channel: [], problems: [] };
  let digest: string | undefined;
  value.events.forEach((item: unknown, index) => {
    if (!isRecord(item) || typeof item.name !== 'string') {
      out.problems.push(new ItemProblem('invalid_item', `Pusher webhook event ${index} has no "name"`, { index }));
      return;
    }
    const { name, channel } = item;
    if (name === 'member_added' || name === 'member_removed') {
      if (!nonEmpty(channel) || !nonEmpty(item.user_id)) {
        out.problems.push(
          new ItemProblem('invalid_item', `Pusher ${name} event ${index} needs a "channel" and a "user_id" (non-empty strings)`, { index }),
        );
        return;
      }
      digest ??= bodyDigest(raw);
      out.presence.push(pusherPresenceEvent(name, channel, item.user_id, timeMs, index, digest));
    } else if (name === 'channel_occupied' || name === 'channel_vacated') {
      if (!nonEmpty(channel)) {
        out.problems.push(
          new ItemProblem('invalid_item', `Pusher ${name} event ${index} needs a "channel" (a non-empty string)`, { index }),
        );
        return;
      }
      out.channel.push(pusherChannelEvent(name, channel, timeMs));
    }
    // client_event, cache_miss, subscription_count and names yet to come: not presence, ignored.
  });
  return out;
}
