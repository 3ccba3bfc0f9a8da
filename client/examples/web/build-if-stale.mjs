// Runs before `npm start` (the root `prestart` script): builds the web app into dist/ when it is
// missing or older than its sources (this directory, @authors/client, @authors/shared), so a
// fresh checkout serves /app after `npm install && npm start`, and a pull that changed the app
// rebuilds it. Nothing happens when the build is current. Without Vite (a production install) or
// when the build fails it says so and lets the server start anyway.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../../..');
const built = join(here, 'dist/index.html');
const sources = [here, join(root, 'client/src'), join(root, 'shared/src')];

/** The newest modification time of the files under `path`, dist/ and node_modules/ aside. */
function newest(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path)
    .filter((name) => name !== 'dist' && name !== 'node_modules')
    .reduce((latest, name) => Math.max(latest, newest(join(path, name))), 0);
}

if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newest))) process.exit(0);

let vite;
try {
  vite = await import('vite');
} catch {
  console.warn('web app: not built and Vite is not installed (npm install, then npm run build:web); /app will say so');
  process.exit(0);
}
console.log('web app: building client/examples/web for /app');
try {
  await vite.build({ configFile: join(here, 'vite.config.ts'), logLevel: 'warn' });
} catch (error) {
  // The API does not depend on the app: say why /app is missing or stale, and let the server start.
  console.error(`web app: the build failed, /app is not up to date: ${error instanceof Error ? error.message : error}`);
}
