import { defineConfig } from 'vitest/config';

/** The emulator's contract tests: the stock AWS SDK clients against an emulator on a free port, clock moved by hand. */
export default defineConfig({
  test: {
    name: 'emulator',
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
