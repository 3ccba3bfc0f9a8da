// Files that sit at fixed places in the repository (drizzle/ migrations, the web app's build) are
// found by walking up from the calling module, so the same lookup works from server/src/ (tsx) and
// from the bundle in server/dist/ (and in the container image, which keeps the repository's layout).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The first `<ancestor>/<relative>` above the module at `moduleUrl` for which `<ancestor>/<relative>/<marker>`
 * exists, or undefined when no ancestor has it.
 */
export function findUp(moduleUrl: string, relative: string, marker: string): string | undefined {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(join(candidate, marker))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
