import { cpSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';
import { postgresDataFix } from './src/db/postgres-data-fix';
import { postgresQueueFix } from './src/db/postgres-queue-fix';
import { objectSpreadFix } from './src/trpc/object-spread-fix';
import {
  ASYNCAPI_RENDERER_FILES,
  ASYNCAPI_RENDERER_PACKAGE,
  BUNDLED_RENDERER_DIR,
} from './src/transports/asyncapi/renderer';

// The production build: one ESM bundle of the server (dist/main.js) with the workspace's own source
// (@authors/shared) inlined and every npm dependency left external, resolved from node_modules at run
// time — PGlite in particular loads its wasm and data files from its own package directory. The one
// exceptions are postgres.js and @trpc/server, bundled so postgres.js's pool queue and message loop
// and tRPC's object-spread helper can be replaced (src/db/postgres-queue-fix.ts,
// src/db/postgres-data-fix.ts, src/trpc/object-spread-fix.ts).
// `--out-dir` moves the whole build elsewhere (the test suite builds into a directory of its own run).
export default defineConfig(({ outDir = 'dist' }) => ({
  // main.js serves; user.js is the user-management CLI (`npm run user`) for production, where tsx is absent.
  entry: { main: 'src/main.ts', user: 'src/cli/user.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  clean: true,
  sourcemap: true,
  esbuildOptions(options) {
    options.conditions = ['@authors/source'];
  },
  noExternal: ['@authors/shared', 'postgres', /^@trpc\/server/],
  esbuildPlugins: [postgresQueueFix, postgresDataFix, objectSpreadFix],
  // The /asyncapi renderer is a development dependency: its two browser files go next to the bundle.
  onSuccess: async () => {
    const from = dirname(createRequire(import.meta.url).resolve(`${ASYNCAPI_RENDERER_PACKAGE}/package.json`));
    for (const file of Object.values(ASYNCAPI_RENDERER_FILES)) {
      cpSync(join(from, file), join(outDir, BUNDLED_RENDERER_DIR, file));
    }
  },
}));
