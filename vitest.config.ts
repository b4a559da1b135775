import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = fileURLToPath(new URL('./packages/', import.meta.url));

// Tests run against the packages' TypeScript sources, so no build is needed before `vitest`.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@presence-webhooks\/core\/node$/, replacement: `${packages}core/src/node/index.ts` },
      { find: /^@presence-webhooks\/core\/store$/, replacement: `${packages}core/src/store/index.ts` },
      { find: /^@presence-webhooks\/core\/adapter$/, replacement: `${packages}core/src/adapter/index.ts` },
      { find: /^@presence-webhooks\/core\/observe$/, replacement: `${packages}core/src/observe/index.ts` },
      { find: /^@presence-webhooks\/testing\/(builders|simulator|conformance)$/, replacement: `${packages}testing/src/$1/index.ts` },
      { find: /^@presence-webhooks\/([a-z-]+)$/, replacement: `${packages}$1/src/index.ts` },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
