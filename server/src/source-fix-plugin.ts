// The esbuild plugin behind each of the production bundle's source fixes (db/postgres-queue-fix.ts,
// db/postgres-data-fix.ts, trpc/object-spread-fix.ts): every file matching `filter` is read and
// handed to esbuild as `fix` rewrites it. A fix throws on a file it does not know, which fails the
// build: a dependency upgrade is reviewed, never patched blindly.
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

export function sourceFixPlugin(name: string, filter: RegExp, fix: (source: string, path: string) => string): Plugin {
  return {
    name,
    setup(build) {
      build.onLoad({ filter }, async ({ path }) => ({ contents: fix(await readFile(path, 'utf8'), path), loader: 'js' }));
    },
  };
}
