import { defineConfig } from 'vitest/config';
import { ProcessesFirstSequencer } from './test/helpers/sequencer';

// Tests run the packages from source: "@authors/source" is the export condition that points at src/.
const conditions = ['@authors/source', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Most suites wait on servers, sockets and databases rather than the CPU: run two files at a
    // time even on two cores (the default would be one). Deadlines are generous: a spawned server or
    // a type-check can take a while on a loaded 2-core machine, and speed is measured in bench/.
    maxWorkers: 2,
    testTimeout: 90_000,
    hookTimeout: 60_000,
    globalSetup: ['test/helpers/global-setup.ts'],
    sequence: { sequencer: ProcessesFirstSequencer },
  },
});
