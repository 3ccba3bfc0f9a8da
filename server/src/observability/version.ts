// The server package's version, reported as app_info{version}. Read from the nearest package.json
// above this module, which is server/package.json both from source (src/observability/) and from the
// built bundle (dist/main.js).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function nearestManifest(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error('Cannot find the server package.json');
  }
}

const manifest = JSON.parse(readFileSync(nearestManifest(), 'utf8')) as { version: string };

export const SERVER_VERSION = manifest.version;
