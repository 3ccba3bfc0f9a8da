// Bundles the client's declarations into one dist/index.d.ts with the router's types inlined,
// so a consumer type-checks against it without the server's source. Input: `tsc -b` output, whose
// extensionless and directory imports (moduleResolution "Bundler") are resolved here.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dts } from 'rollup-plugin-dts';

const emitted = fileURLToPath(new URL('../node_modules/.cache/tsc/', import.meta.url));
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
        if (id.startsWith('.') && importer?.startsWith(emitted)) return declarationFile(resolve(dirname(importer), id));
        return null;
      },
    },
    dts(),
  ],
};
