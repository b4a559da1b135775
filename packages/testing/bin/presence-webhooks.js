#!/usr/bin/env node
// The `presence-webhooks` command: the compiled CLI in dist/ (build it first in a clone: `pnpm build`).
import('../dist/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist')) {
    console.error('presence-webhooks: the CLI is not built yet. Run `pnpm build` at the repository root first.');
    process.exit(2);
  }
  throw error;
});
