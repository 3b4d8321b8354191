import { defineConfig } from 'vitest/config';

/**
 * Two projects, run by separate commands so unit tests never wait for a server:
 * - unit: pure logic and AWS SDK calls against aws-sdk-client-mock;
 * - integration: workflows on one real Temporal dev server shared by every file of the run
 *   (started in test/setup/temporal-server.ts, stopped even when tests fail).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/setup/temporal-server.ts'],
          // Temporal's native worker is happiest in child processes; two cores, two files at a time.
          pool: 'forks',
          maxWorkers: 2,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
