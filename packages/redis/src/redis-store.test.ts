import { describe, expect, it } from 'vitest';
import { RedisStore } from './redis-store.js';

describe('RedisStore options', () => {
  it('refuses bad options with the standard TypeError, before any connection is made', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ tombstoneHorizonMs: -1 }, 'presence-webhooks: tombstoneHorizonMs must be a number >= 0 (got -1)'],
      [{ tombstoneHorizonMs: Infinity }, 'presence-webhooks: tombstoneHorizonMs must be a number >= 0 (got Infinity)'],
      [{ commandTimeoutMs: 0 }, 'presence-webhooks: commandTimeoutMs must be a positive number (got 0)'],
      [{ circuitFailures: 1.5 }, 'presence-webhooks: circuitFailures must be a positive integer (got 1.5)'],
      [{ circuitCooldownMs: 'soon' }, 'presence-webhooks: circuitCooldownMs must be a positive number (got "soon")'],
      [{ clockSkewMs: -5 }, 'presence-webhooks: clockSkewMs must be a number >= 0 (got -5)'],
      [{ prefix: 'a{b' }, 'presence-webhooks: prefix must be a non-empty string without { or } (got "a{b")'],
      [{ prefix: '' }, 'presence-webhooks: prefix must be a non-empty string without { or } (got "")'],
      [{ url: 6379 }, 'presence-webhooks: url must be a redis:// URL string (got 6379)'],
      [{ client: {} }, 'presence-webhooks: client must be an ioredis Redis or Cluster client (got an object)'],
      [
        { url: 'redis://127.0.0.1:1', client: {} },
        'presence-webhooks: client must be omitted when url is given (pass one of them) (got an object)',
      ],
    ];
    for (const [options, message] of cases) expect(() => new RedisStore(options as never), message).toThrow(new TypeError(message));
  });
});
