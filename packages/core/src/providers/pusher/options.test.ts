import { describe, expect, it } from 'vitest';
import { resolveReceiverOptions } from '../../options/resolve.js';
import type { ReceiverOptions } from '../../receiver.js';

const resolve = (pusher: unknown) => resolveReceiverOptions({ pusher } as ReceiverOptions);

describe('pusher options', () => {
  it('a key / secret list, appId and rest are checked and defaulted', () => {
    const resolved = resolve({ keys: [{ key: 'k', secret: 's' }], appId: '12', rest: { baseUrl: 'http://127.0.0.1:9/' } });
    expect(resolved.pusher).toEqual({
      options: { keys: [{ key: 'k', secret: 's' }], appId: '12', rest: { baseUrl: 'http://127.0.0.1:9', timeoutMs: 10_000 } },
      restBaseUrl: 'http://127.0.0.1:9',
      restTimeoutMs: 10_000,
    });
    expect(resolve({ keys: [{ key: 'k', secret: 's' }] }).pusher?.restBaseUrl).toBe('https://api-mt1.pusher.com');
  });

  it('bad options get the standard TypeError, never showing a secret', () => {
    expect(() => resolve({})).toThrow(
      'presence-webhooks: pusher.keys must be a non-empty array of { key, secret } (the app key and secret from the Pusher dashboard) (got undefined)',
    );
    expect(() => resolve({ keys: [] })).toThrow(/pusher\.keys must be a non-empty array/);
    expect(() => resolve({ keys: ['k:s'] })).toThrow('presence-webhooks: pusher.keys[0] must be an object (got "k:s")');
    expect(() => resolve({ keys: [{ key: '', secret: 's' }] })).toThrow(
      'presence-webhooks: pusher.keys[0].key must be a non-empty string (got "")',
    );
    expect(() => resolve({ keys: [{ key: 'k', secret: 42 }] })).toThrow(
      'presence-webhooks: pusher.keys[0].secret must be a non-empty string (got "number")',
    );
    expect(() => resolve({ keys: [{ key: 'k', secret: 'top-secret' }], appId: 12 })).toThrow(
      'presence-webhooks: pusher.appId must be a non-empty string (got 12)',
    );
    expect(() => resolve({ keys: [{ key: 'k', secret: 'top-secret' }], rest: { baseUrl: 'ftp://x' } })).toThrow(
      /pusher\.rest\.baseUrl must be an absolute http\(s\) URL/,
    );
    expect(() => resolve('nope')).toThrow('presence-webhooks: pusher must be an object (got "nope")');
    try {
      resolve({ keys: [{ key: 'k', secret: 'top-secret' }], appId: 12 });
    } catch (error) {
      expect((error as Error).message).not.toContain('top-secret');
    }
  });
});
