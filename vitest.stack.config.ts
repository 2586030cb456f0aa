import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:stack`: the pipeline against real Kafka, PostgreSQL and S3 started
// on loopback by scripts/stack.sh (see test/stack/global-setup.ts). Only the
// stack suites: the unit suites are `npm test`'s.
export default defineConfig({
  resolve: base.resolve,
  test: {
    include: ['services/*/test/stack/**/*.test.ts', 'operator/test/stack/**/*.test.ts', 'test/stack/**/*.test.ts'],
    globalSetup: ['test/stack/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    passWithNoTests: false,
    // One suite at a time: they share one broker, one database and 2 cores.
    fileParallelism: false,
  },
});
