// Nothing given up silently: a delivery the store could not take after its retries (on-receipt) is counted,
// reported, and its channels are repaired from the provider's REST presence (a fake Ably on loopback) once
// the store is back. Real HTTP through Express.
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import type { Change, PresenceEvent } from '@presence-webhooks/core/store';
import type { ApplyOptions } from '@presence-webhooks/core/store';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem, type RawAblyPresence } from '@presence-webhooks/testing/builders';
import { describe, expect, it } from 'vitest';
import { postTo, startExpress } from './helpers/express-server.js';
import { startFakeAbly } from './helpers/fake-ably-rest.js';
import { RECENT_MS } from './helpers/recent.js';

const KEY = 'lostApp.lostKey:lostSecretForTheTests1234';

/** A MemoryStore whose writes fail while `down` (an outage), as a real store's would. */
class FlakyStore extends MemoryStore {
  down = true;
  override apply(events: readonly PresenceEvent[], options?: ApplyOptions): Promise<Change[]> {
    if (this.down) return Promise.reject(new Error('the store is unavailable'));
    return super.apply(events, options);
  }
}

describe('a delivery given up after its retries', () => {
  it('is counted and reported, and its channel is repaired from the provider once the store is back', async () => {
    const member: RawAblyPresence = { id: 'l1:0:0', clientId: 'lena', connectionId: 'l1', action: ABLY_ACTION.enter, timestamp: RECENT_MS };
    const ably = await startFakeAbly(KEY, new Map([['lost-room', [{ ...member, action: ABLY_ACTION.present }]]]));
    const store = new FlakyStore();
    const errors: Error[] = [];
    const receiver = createReceiver({
      ably: { keys: [KEY], rest: { baseUrl: ably.url } },
      store,
      retry: { attempts: 2, baseDelayMs: 10 },
      resync: { minIntervalMs: 200 },
      onError: (e) => void errors.push(e),
    });
    const server = await startExpress(receiver);
    try {
      const repaired = new Promise<void>((resolve) => receiver.on('join', (e) => void (e.member.clientId === 'lena' && resolve())));
      expect((await postTo(server.url, ablyBatchRequest([ablyPresenceItem('lost-room', [member])], { key: KEY }))).status).toBe(200);
      await receiver.idle();
      expect(receiver.stats().lostDeliveries).toBe(1);
      expect(errors.some((e) => /giving up/.test(e.message))).toBe(true);
      store.down = false; // the store is back before the repair runs (minIntervalMs later)
      await repaired;
      expect((await store.members('lost-room')).map((m) => m.clientId)).toEqual(['lena']);
      expect(ably.counts.single + ably.counts.batch).toBeGreaterThan(0);
    } finally {
      await server.close();
      await receiver.close();
      await ably.close();
    }
  });
});
