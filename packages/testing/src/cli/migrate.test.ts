import { describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { postgresModule } from './migrate.js';

describe('migrate without @presence-webhooks/postgres', () => {
  it('says to install it, as a usage error (exit 2)', async () => {
    const failing = postgresModule('@presence-webhooks/not-installed-here');
    await expect(failing).rejects.toBeInstanceOf(UsageError);
    await expect(failing).rejects.toThrow('install @presence-webhooks/postgres to use migrate');
  });
});
