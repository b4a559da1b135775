import { describe, expect, it } from 'vitest';
import { RedisStore } from './redis-store.js';

describe('RedisStore options', () => {
  it('an unknown option name is a TypeError with a did-you-mean, thrown before any connection', () => {
    expect(() => new RedisStore({ urll: 'redis://127.0.0.1:6379' } as never)).toThrow(
      'presence-webhooks: RedisStore.urll is not an option (did you mean RedisStore.url?)',
    );
    expect(() => new RedisStore({ prefix: 'pw', commandTimeout: 500 } as never)).toThrow('(did you mean RedisStore.commandTimeoutMs?)');
  });
});
