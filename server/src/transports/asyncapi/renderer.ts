// Where the files of the /asyncapi renderer (AsyncAPI's React component, its standalone browser
// bundle) are. The package is a development dependency — it pulls in ~120 MB the browser bundle does
// not need — so the production build copies the two files next to the server bundle
// (server/tsup.config.ts), and the source run reads them from node_modules.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ASYNCAPI_RENDERER_PACKAGE = '@asyncapi/react-component';
/** The renderer's files the page uses, relative to its package directory. */
export const ASYNCAPI_RENDERER_FILES = { script: 'browser/standalone/index.js', stylesheet: 'styles/default.min.css' } as const;
/** Where the production build puts those files, relative to the bundle. */
export const BUNDLED_RENDERER_DIR = 'asyncapi-ui';

/** The directory holding ASYNCAPI_RENDERER_FILES, or undefined when the renderer is not installed. */
export function asyncApiRendererDir(): string | undefined {
  const bundled = fileURLToPath(new URL(`./${BUNDLED_RENDERER_DIR}`, import.meta.url));
  if (existsSync(bundled)) return bundled;
  try {
    return dirname(createRequire(import.meta.url).resolve(`${ASYNCAPI_RENDERER_PACKAGE}/package.json`));
  } catch {
    return undefined;
  }
}
