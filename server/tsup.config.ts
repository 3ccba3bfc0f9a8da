import { defineConfig } from 'tsup';

// The production build: one ESM bundle of the server (dist/main.js) with the workspace's own source
// (@authors/shared) inlined and every npm dependency left external, resolved from node_modules at run
// time — PGlite in particular loads its wasm and data files from its own package directory.
export default defineConfig({
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
  noExternal: ['@authors/shared'],
});
