import { resolve } from 'node:path';

import { defineConfig } from 'vitest/config';

/**
 * Browser tests: a real OpenSCG server and the built app (`next build` + `next start`) on free ports, driven in
 * Debian's Chromium through playwright-core. One file at a time; the whole run stays within a few minutes.
 */
export default defineConfig({
  root: resolve(__dirname, '..'),
  test: {
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 240_000,
    environment: 'node',
  },
});
