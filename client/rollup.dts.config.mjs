// Bundles the client's declarations into one dist/index.d.ts with the router's types inlined,
// so a consumer type-checks against it without the server's source. Input: `tsc -b` output, whose
// extensionless and directory imports (moduleResolution "Bundler") are resolved here.
// The server's procedure context (database, metrics, logger, state) appears in the router type only
// as the root `ctx`, which no client API reads: it is replaced by an opaque `object`, so consumers
// need none of the server's dependencies.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dts } from 'rollup-plugin-dts';

const emitted = fileURLToPath(new URL('../node_modules/.cache/tsc/', import.meta.url));
const OPAQUE_CONTEXT = '\0opaque-context.d.ts';
const serverContext = resolve(emitted, 'server/trpc/context.d.ts');
const workspace = { '@authors/server/router': 'server/routers', '@authors/shared': 'shared' };

function declarationFile(base) {
  return [`${base}.d.ts`, `${base}/index.d.ts`].find((file) => existsSync(file)) ?? null;
}

export default {
  input: resolve(emitted, 'client/index.d.ts'),
  output: { file: 'dist/index.d.ts', format: 'es' },
  plugins: [
    {
      name: 'workspace-declarations',
      resolveId(id, importer) {
        if (id in workspace) return declarationFile(resolve(emitted, workspace[id], 'index'));
        if (id.startsWith('.') && importer?.startsWith(emitted)) {
          const file = declarationFile(resolve(dirname(importer), id));
          return file === serverContext ? OPAQUE_CONTEXT : file;
        }
        return null;
      },
      load: (id) => (id === OPAQUE_CONTEXT ? 'export type Context = object;\n' : null),
    },
    dts(),
  ],
};
