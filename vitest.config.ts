import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const pkg = (name: string): string => fileURLToPath(new URL(`./services/${name}/src/index.ts`, import.meta.url));

// Tests run against the TypeScript sources of every workspace package, not
// their build output, so `npm test` never depends on a stale dist/.
export default defineConfig({
  resolve: {
    alias: [
      // Production adapters are subpath exports of runtime, so local mode never loads their SDKs.
      {
        find: /^@docpipe\/runtime\/(kafka|s3|postgres|openai)$/,
        replacement: fileURLToPath(new URL('./services/runtime/src/adapters/$1/index.ts', import.meta.url)),
      },
      ...['contracts', 'runtime', 'docproc', 'embedding', 'ingest', 'gateway', 'analytics', 'local'].map((name) => ({
        find: `@docpipe/${name}`,
        replacement: pkg(name),
      })),
      // The operator and the cdk8s constructs live at the top level, not under services/.
      ...[
        ['operator-api', 'operator/api'],
        ['operator', 'operator'],
        ['cdk8s', 'cdk8s'],
      ].map(([name, dir]) => ({
        find: `@docpipe/${name!}`,
        replacement: fileURLToPath(new URL(`./${dir!}/src/index.ts`, import.meta.url)),
      })),
      // The stand-ins of what cannot be reached from here (tools, not services): tests start them in-process.
      ...['openai-standin', 'mskconnect-standin'].map((name) => ({
        find: `@docpipe/${name}`,
        replacement: fileURLToPath(new URL(`./tools/${name}/src/index.ts`, import.meta.url)),
      })),
    ],
  },
  test: {
    include: ['services/*/src/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts', 'tools/*/src/**/*.test.ts', 'operator/src/**/*.test.ts', 'operator/api/src/**/*.test.ts', 'cdk8s/src/**/*.test.ts', 'cdk8s/test/**/*.test.ts'],
    // Suites that need the real stack run only in `npm run test:stack`.
    exclude: [...configDefaults.exclude, '**/test/stack/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    passWithNoTests: false,
  },
});
