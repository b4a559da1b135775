import { describe, expect, it } from 'vitest';
import { hints } from './report.js';

const report = (provider: 'ably' | 'pubnub' | 'pusher', statuses: Record<string, number>) => ({
  provider,
  statuses,
  deliveries: 10,
  target: 'http://127.0.0.1:3000/webhooks',
});

describe('the report hints', () => {
  it('a 429 says the address is throttled after wrong secrets, and what to do', () => {
    expect(hints(report('pubnub', { '200': 3, '429': 68 }))).toEqual([
      expect.stringMatching(
        /^the receiver answered 429: after 20 wrong shared secrets .* wait a minute, or restart the receiver\. A proxy in front of it may answer 429 too$/,
      ),
    ]);
  });

  it('a 401 names what to check for each provider', () => {
    expect(hints(report('ably', { '401': 1 }))[0]).toContain('--key one of the keys it trusts (ably.keys)');
    expect(hints(report('pubnub', { '401': 1 }))[0]).toContain('--secret its pubnub.secret');
    expect(hints(report('pusher', { '401': 1 }))[0]).toContain('an app key and secret it trusts (pusher.keys)');
  });
});
