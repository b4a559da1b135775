import { describe, expect, it } from 'vitest';
import { ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { MemoryStore } from '../presence/memory-store.js';
import { createReceiver } from '../receiver.js';

describe("the receiver calls the store's applySync as it is when a delivery comes", () => {
  it('a wrapper put on applySync after the receiver was made is called, and can refuse', async () => {
    const KEY = 'capsApp.key1:caps-secret';
    const store = new MemoryStore();
    const receiver = createReceiver({ ably: { keys: [KEY] }, store, onError: () => undefined });
    const prototypeSync = store.applySync.bind(store);
    const calls: number[] = [];
    let refuse = true;
    store.applySync = (events, options) => {
      calls.push(events.length);
      if (refuse) {
        refuse = false;
        throw new Error('refused once by the wrapper');
      }
      return prototypeSync(events, options);
    };
    const joined: string[] = [];
    receiver.on('join', (event) => void joined.push(event.member.clientId));
    const at = Date.now() - 60_000;
    const enter = { id: 'c1:0:0', clientId: 'alice', connectionId: 'c1', action: 2, timestamp: at };
    const request = ablyBatchRequest([ablyPresenceItem('room', [enter])], { key: KEY });
    expect((await receiver.handle({ method: 'POST', headers: request.headers, body: request.body })).status).toBe(200);
    await receiver.idle();
    await receiver.close();
    // The wrapper was called with the delivery's event and refused it: the delivery was queued and merged after.
    expect(calls[0]).toBe(1);
    expect(joined).toEqual(['alice']);
  });
});
