import type { ReceiverOptions } from '@presence-webhooks/core';
import type { RawAblyPresence, WireFormat } from '../ably-builders.js';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '../ably-builders.js';
import { ablyKeyName, signAbly } from '../sign.js';
import type { RequestCase } from './fixture.js';

/** Provider times of a few minutes ago: a receiver treats events older than its horizon (10 minutes) as stale. */
const RECENT_MS = Math.floor((Date.now() - 5 * 60_000) / 1000) * 1000;

/** The Ably key the suite's receivers trust, and one they do not. */
export const SUITE_KEY = 'conformance.suiteKey:adapter-conformance-secret';
export const FOREIGN_KEY = 'conformance.otherKey:not-the-configured-secret';
/** Shared secret an Ably rule sends for unsigned single-request webhooks. */
export const ABLY_RULE_SECRET = 'ably-rule-shared-secret';

/** The shared secret PubNub sends in x-webhook-secret or ?secret=. */
export const PUBNUB_SECRET = 'pubnub-shared-secret';

/** The receiver options every case starts from: both providers. */
export function suiteOptions(extra: Partial<ReceiverOptions> = {}): ReceiverOptions {
  return { ably: { keys: [SUITE_KEY], secret: ABLY_RULE_SECRET }, pubnub: { secret: PUBNUB_SECRET }, ...extra };
}

let counter = 0;

/** A fresh ENTER of a new member: if a bad request carrying it were accepted, the store would change. */
export function enterMessage(clientId = `member-${++counter}`, data?: unknown): RawAblyPresence {
  const connectionId = `conn${++counter}`;
  const message: RawAblyPresence = {
    id: `${connectionId}:0:0`,
    clientId,
    connectionId,
    action: ABLY_ACTION.enter,
    timestamp: RECENT_MS + counter,
  };
  if (data !== undefined) {
    message.data = JSON.stringify(data);
    message.encoding = 'json';
  }
  return message;
}

export function leaveMessage(enter: RawAblyPresence): RawAblyPresence {
  const { clientId, connectionId, timestamp } = enter;
  return { id: `${connectionId}:1:0`, clientId, connectionId, action: ABLY_ACTION.leave, timestamp: timestamp + 1 };
}

/** A signed Ably batch entering one new member on `channel`. */
export function enterRequest(channel: string, format: WireFormat = 'json', key = SUITE_KEY): RequestCase {
  return ablyBatchRequest([ablyPresenceItem(channel, [enterMessage()])], { key, format });
}

/** Sign bytes as Ably does and send them as JSON. */
export function signedJson(body: Uint8Array, key = SUITE_KEY): RequestCase {
  return { headers: { 'content-type': 'application/json', 'x-ably-key': ablyKeyName(key), 'x-ably-signature': signAbly(body, key) }, body };
}

/**
 * A signed, valid Ably JSON batch (one ENTER on `channel`) of exactly `size` bytes: JSON allows
 * trailing whitespace, so the body is padded with spaces.
 */
export function batchOfSize(channel: string, size: number): RequestCase {
  const text = JSON.stringify({ items: [ablyPresenceItem(channel, [enterMessage()])] });
  if (text.length > size) throw new RangeError(`batchOfSize: ${size} bytes is too small for a batch (${text.length})`);
  const body = new Uint8Array(size).fill(0x20);
  body.set(new TextEncoder().encode(text));
  return signedJson(body);
}
