import { describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { redisStore } from './reconcile.js';

describe('reconcile --redis without @presence-webhooks/redis', () => {
  it('says to install it, as a usage error (exit 2)', async () => {
    const failing = redisStore('redis://127.0.0.1:1', undefined, '@presence-webhooks/not-installed-here');
    await expect(failing).rejects.toBeInstanceOf(UsageError);
    await expect(failing).rejects.toThrow('install @presence-webhooks/redis to use --redis');
  });
});
