import { defineConfig } from 'vitest/config';

/** Unit tests: the wire code, the batcher and resender, the ring buffer and the display filter. */
export default defineConfig({
  test: {
    include: ['lib/**/*.test.ts', 'app/**/*.test.ts'],
    environment: 'node',
  },
});
