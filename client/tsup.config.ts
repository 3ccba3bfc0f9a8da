import { defineConfig } from 'tsup';

// JavaScript only: declarations are bundled separately by rollup.dts.config.mjs.
// dist/index.js is the library; dist/cli.js the `authors-cli` bin (tsup keeps its #! line and marks it executable).
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm'],
  target: 'node20',
  clean: true,
  esbuildOptions(options) {
    options.conditions = ['@authors/source'];
  },
  noExternal: ['@authors/shared'],
});
