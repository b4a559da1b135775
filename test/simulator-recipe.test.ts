// recipe:start
import type { Receiver } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { simulate } from '@presence-webhooks/testing/simulator';
import { describe, expect, it } from 'vitest';

/** Your code: how many members each channel has, kept from the receiver's events. */
function trackOccupancy(receiver: Receiver): Map<string, number> {
  const occupancy = new Map<string, number>();
  receiver.on('join', (e) => void occupancy.set(e.channel, (occupancy.get(e.channel) ?? 0) + 1));
  receiver.on('leave', (e) => void occupancy.set(e.channel, (occupancy.get(e.channel) ?? 0) - 1));
  return occupancy;
}

const KEY = 'testApp.testKey:test-secret-for-my-tests'; // any key: the tests sign with it and the receiver trusts it

describe('my presence handlers', () => {
  it('count a signed Ably enter, once even when Ably delivers it twice', async () => {
    const receiver = createReceiver({ ably: { keys: [KEY] } });
    const occupancy = trackOccupancy(receiver);
    const enter = { id: 'conn-1:0:0', clientId: 'alice', connectionId: 'conn-1', action: ABLY_ACTION.enter, timestamp: Date.now() };
    const request = ablyBatchRequest([ablyPresenceItem('room-1', [enter])], { key: KEY });
    for (let i = 0; i < 2; i++) {
      const answer = await receiver.handle({ method: 'POST', headers: request.headers, body: request.body });
      expect(answer.status).toBe(200);
    }
    await receiver.idle(); // every accepted delivery applied and its events emitted
    expect(occupancy.get('room-1')).toBe(1);
  });

  it('end with the truth under a realistic stream (batches, retries, duplicates, reordering)', async () => {
    const receiver = createReceiver({ ably: { keys: [KEY] } });
    const occupancy = trackOccupancy(receiver);
    const report = await simulate({ receiver, provider: 'ably', key: KEY, channels: 3, members: 20, events: 200, timeScale: 100, seed: 1 });
    expect(report.verification.status).toBe('match'); // the receiver's set equals the in-order truth
    for (const channel of report.channels) expect(occupancy.get(channel) ?? 0).toBe(report.truth[channel]?.length ?? 0);
  });
});
// recipe:end

import { readFileSync } from 'node:fs';

describe('docs/recipes/testing-your-handlers.md', () => {
  it("shows this file's example, verbatim", () => {
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    const example = source.slice(source.indexOf('// recipe:start\n') + '// recipe:start\n'.length, source.indexOf('// recipe:end'));
    const recipe = readFileSync(new URL('../docs/recipes/testing-your-handlers.md', import.meta.url), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(recipe)?.[1];
    expect(block).toBe(example);
  });
});
