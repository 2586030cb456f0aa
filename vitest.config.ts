import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string): string => fileURLToPath(new URL(`./services/${name}/src/index.ts`, import.meta.url));

// Tests run against the TypeScript sources of every workspace package, not
// their build output, so `npm test` never depends on a stale dist/.
export default defineConfig({
  resolve: {
    alias: Object.fromEntries(
      ['contracts', 'runtime', 'docproc', 'embedding', 'ingest', 'gateway', 'local'].map((name) => [
        `@docpipe/${name}`,
        pkg(name),
      ]),
    ),
  },
  test: {
    include: ['services/*/src/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    passWithNoTests: false,
  },
});
