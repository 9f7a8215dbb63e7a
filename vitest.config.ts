import { defineConfig } from 'vitest/config';

// Unit tests are pure and need no services; integration tests share one real Elasticsearch (and Kafka)
// that test/setup/stack.ts provisions once per run.
export default defineConfig({
  test: {
    // Lists what was skipped and why; with FLOWTRAIL_REQUIRE_ALL=1 (CI) a skipped test fails the run.
    reporters: ['default', './test/setup/skip-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'src/**/*.test.ts',
            'plugins/**/*.test.ts',
            'codecs/**/*.test.ts',
            'app/**/*.test.ts',
            'bench/**/*.test.ts',
          ],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/stack.ts'],
          testTimeout: 180_000,
          hookTimeout: 400_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
