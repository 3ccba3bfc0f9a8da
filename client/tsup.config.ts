import { defineConfig } from 'tsup';

// JavaScript only: declarations are bundled separately by rollup.dts.config.mjs.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  clean: true,
  esbuildOptions(options) {
    options.conditions = ['@authors/source'];
  },
  noExternal: ['@authors/shared'],
});
