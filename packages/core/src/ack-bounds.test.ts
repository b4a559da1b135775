import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Change, PresenceEvent } from './events.js';
import { MemoryStore } from './presence/memory-store.js';
import { createReceiver } from './receiver.js';
import type { WebhookRequest } from './receiver.js';

const KEY_NAME = 'ackApp.ackKey';
const KEY_SECRET = 'ack-secret';

/** A signed Ably batch entering one member on `channel`. */
function enter(channel: string, n: number): WebhookRequest {
  const presence = { id: `ack${n}:0:0`, clientId: `member-${n}`, connectionId: `ack${n}`, action: 2, timestamp: 1_700_000_000_000 + n };
  const item = {
    webhookId: 'ack',
    source: 'channel.presence',
    serial: `s${n}`,
    timestamp: presence.timestamp,
    name: 'presence.message',
    data: { channelId: channel, site: 'eu-west-1-A', presence: [presence] },
  };
  const body = new TextEncoder().encode(JSON.stringify({ items: [item] }));
  const signature = createHmac('sha256', KEY_SECRET).update(body).digest('base64');
  return { method: 'POST', headers: { 'content-type': 'application/json', 'x-ably-key': KEY_NAME, 'x-ably-signature': signature }, body };
}

/** A MemoryStore whose applies wait for a gate to open (a store that has not committed yet). */
class GatedStore extends MemoryStore {
  applies = 0;
  private opened = false;
  private waiting: (() => void)[] = [];

  override async apply(events: readonly PresenceEvent[]): Promise<Change[]> {
    this.applies++;
    if (!this.opened) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return super.apply(events);
  }

  open(): void {
    this.opened = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

function codeOf(body: string): unknown {
  return (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
}

describe('ackTimeoutMs: after-store answers within the bound whatever the store does', () => {
  it(
    '503 store_failed while the store has not committed; the delivery stays queued and lands once the gate opens; a resend is idempotent',
    { timeout: 5000 },
    async () => {
      const store = new GatedStore();
      const errors: Error[] = [];
      const receiver = createReceiver({
        ably: { keys: [`${KEY_NAME}:${KEY_SECRET}`] },
        store,
        ack: 'after-store',
        ackTimeoutMs: 100,
        onError: (e) => void errors.push(e),
        onReject: () => undefined,
      });
      const joins: string[] = [];
      receiver.on('join', (e) => void joins.push(e.member.clientId));
      const delivery = enter('gated', 1);

      // The test's own timeout bounds the answer: an unbounded wait would never come back.
      const answer = await receiver.handle(delivery);
      expect(answer.status).toBe(503);
      expect(codeOf(answer.body)).toBe('store_failed');
      expect(answer.body).toMatch(/within 100 ms \(ackTimeoutMs\)/);
      expect(await store.members('gated')).toEqual([]);

      store.open();
      await receiver.idle();
      expect((await store.members('gated')).map((m) => m.clientId)).toEqual(['member-1']);
      // The provider resends what was answered 503: 200, and nothing changes a second time.
      expect((await receiver.handle(delivery)).status).toBe(200);
      await receiver.idle();
      expect(joins).toEqual(['member-1']);
      expect(store.applies).toBe(2);
      expect(errors).toEqual([]);
      await receiver.close();
    },
  );

  it(
    'maxQueuedDeliveries: 2 with a stuck store: the third delivery gets 503 server_busy and onError hears of it',
    { timeout: 5000 },
    async () => {
      const store = new GatedStore();
      const errors: Error[] = [];
      const receiver = createReceiver({
        ably: { keys: [`${KEY_NAME}:${KEY_SECRET}`] },
        store,
        maxQueuedDeliveries: 2,
        onError: (e) => void errors.push(e),
        onReject: () => undefined,
      });
      expect((await receiver.handle(enter('stuck', 1))).status).toBe(200);
      expect((await receiver.handle(enter('stuck', 2))).status).toBe(200);
      const busy = await receiver.handle(enter('stuck', 3));
      expect(busy.status).toBe(503);
      expect(codeOf(busy.body)).toBe('server_busy');
      expect(errors.map((e) => (e as Error & { code?: string }).code)).toEqual(['server_busy']);
      expect(errors[0]?.message).toMatch(/maxQueuedDeliveries 2/);

      // Once the store moves again, the two queued deliveries land, and there is room again.
      store.open();
      await receiver.idle();
      expect((await store.members('stuck')).map((m) => m.clientId)).toEqual(['member-1', 'member-2']);
      expect((await receiver.handle(enter('stuck', 3))).status).toBe(200);
      await receiver.idle();
      expect(await store.occupancy('stuck')).toBe(3);
      await receiver.close();
    },
  );
});
