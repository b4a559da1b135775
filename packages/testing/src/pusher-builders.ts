import { createHmac } from 'node:crypto';
import type { BuiltRequest } from './ably-builders.js';

/** A test app: id, key and secret, as the Pusher dashboard shows them. */
export const PUSHER_APP_ID = '1234567';
export const PUSHER_APP_KEY = '278d425bdf160c739803';
export const PUSHER_APP_SECRET = '7ad3773142a6692b25b8';

/** Pusher batches at most this many events in one webhook, within this window (ms). */
export const PUSHER_MAX_BATCH = 20;
export const PUSHER_BATCH_WINDOW_MS = 250;

/** One event of a Pusher webhook: member_added / member_removed carry `user_id`; others carry their own fields. */
export interface PusherWebhookEvent {
  name: string;
  channel: string;
  user_id?: string;
  [field: string]: unknown;
}

/** The key and secret a webhook is signed with. */
export interface PusherSignOptions {
  /** Sent in X-Pusher-Key. Default PUSHER_APP_KEY. */
  key?: string;
  /** Signs the body. Default PUSHER_APP_SECRET. */
  secret?: string;
}

/** The X-Pusher-Signature Pusher sends: lowercase hex HMAC-SHA256 of the raw body with the app secret. */
export function signPusher(body: Uint8Array | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** The JSON body of a Pusher webhook: `{ time_ms, events }`. */
export function pusherBody(timeMs: number, events: readonly PusherWebhookEvent[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ time_ms: timeMs, events }));
}

/** A signed Pusher webhook carrying `events` (a batch, or one event). */
export function pusherRequest(timeMs: number, events: readonly PusherWebhookEvent[], options: PusherSignOptions = {}): BuiltRequest {
  const body = pusherBody(timeMs, events);
  return {
    headers: {
      'content-type': 'application/json',
      'x-pusher-key': options.key ?? PUSHER_APP_KEY,
      'x-pusher-signature': signPusher(body, options.secret ?? PUSHER_APP_SECRET),
    },
    body,
  };
}

/** A signed Pusher webhook with one event, as Pusher sends without batching. */
export function pusherSingleRequest(timeMs: number, event: PusherWebhookEvent, options: PusherSignOptions = {}): BuiltRequest {
  return pusherRequest(timeMs, [event], options);
}

/** member_added / member_removed events. */
export function pusherMemberEvent(name: 'member_added' | 'member_removed', channel: string, userId: string): PusherWebhookEvent {
  return { name, channel, user_id: userId };
}
