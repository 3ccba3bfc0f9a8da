import { defineConfig } from 'vitest/config';

// Tests run the packages from source: "@authors/source" is the export condition that points at src/.
const conditions = ['@authors/source', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Most suites wait on servers, sockets and databases rather than the CPU: run three files at a
    // time even on two cores (the default would be one).
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
