// Runs once before all suites: fails fast (or warns) about missing services, and builds the server
// bundle that this run's spawned servers start from (server-bundle.ts): a server process starts from
// it in about a third of the time tsx takes to compile the sources, and the suites start dozens.
// Each run builds into a directory of its own, so concurrent runs in one checkout (or `npm run build`
// writing server/dist) never rebuild what another run's servers are starting from. The directory is
// under server/, like server/dist, so the bundle finds its dependencies, the server's package.json,
// the migrations and the web app the same way; and under node_modules, so git, copies of the sources
// (test/quick-start.test.ts) and builds leave it alone.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { isRunning } from '../../deploy/local/processes';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLES = join(ROOT, 'server/node_modules/.cache/test-bundles');

export default async function setup(project: TestProject): Promise<() => void> {
  await import('./services');
  mkdirSync(BUNDLES, { recursive: true });
  // Runs that ended without their teardown (killed) leave their directory behind.
  for (const name of readdirSync(BUNDLES)) {
    const pid = Number(/^run-(\d+)$/.exec(name)?.[1]);
    if (!pid || !isRunning(pid)) rmSync(join(BUNDLES, name), { recursive: true, force: true });
  }
  const dir = join(BUNDLES, `run-${process.pid}`);
  await promisify(execFile)('npm', ['run', 'build', '-w', '@authors/server', '--', '--out-dir', dir], { cwd: ROOT });
  project.provide('serverBundle', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
