// Two projects: `unit` (pure logic beside its code) and `integration` (real PostgreSQL, Temporal, Chromium), the
// latter with a global set-up that starts PostgreSQL and the Temporal dev server when none is configured.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['{config,api,db,workflows,activities,connectors,analysis,temporal,scripts,observability,bench}/**/*.test.ts', '*.test.ts', 'web/src/lib/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['tests/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Files share one PostgreSQL server and one Temporal server; each file gets its own database and task queue.
          maxWorkers: 2,
        },
      },
    ],
  },
});
