// The two measured servers, each a child process on 127.0.0.1 pinned to the server core, with its
// own log file and its inspector on a local port: the project's production bundle
// (`server/dist/main.js`, what users run) and the baseline, bundled the same way by esbuild so
// neither pays for a TypeScript loader.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, openSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { freePort } from '../deploy/local/processes';
import { allowedCores, processCpuSeconds } from './cpu';
import { connectInspector, type Inspector } from './inspector';
import { SERVER_CORE } from './pinning';

export type ServerName = 'project' | 'baseline';

export interface BenchServer {
  name: ServerName;
  url: string;
  pid: number;
  /** A session with the server's inspector, opened only when needed (close it after). */
  inspect(): Promise<Inspector>;
  /**
   * Resolves once the server has (nearly) stopped using CPU — e.g. finished pushing a fan-out
   * backlog to sockets that just closed — so it does not steal CPU from the next measurement.
   */
  waitForIdle(): Promise<void>;
  stop(): Promise<void>;
}

const ROOT = new URL('..', import.meta.url).pathname;
export const PROJECT_ENTRY = join(ROOT, 'server/dist/main.js');

/** Bundles a server for Node as the production build does: one ESM file, npm packages left external. */
async function bundle(entry: string, outfile: string): Promise<string> {
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  return outfile;
}

/** Bundles the baseline into `outDir`. */
export function buildBaseline(outDir: string): Promise<string> {
  return bundle(join(ROOT, 'bench/baseline/server.ts'), join(outDir, 'baseline.mjs'));
}

/**
 * Builds the project's server as of git revision `rev` into `outDir/reference` (BENCH_REFERENCE):
 * its `server/`, `shared/`, `drizzle/` and `tsconfig.base.json` taken from git and built by that
 * revision's own production build (its `tsup.config.ts`, with the library fixes it bundles), so the
 * A/B compares two builds as users would run them. npm packages resolve from this checkout's
 * node_modules (a revision with other dependencies is measured with today's); `@authors/shared`
 * resolves to the revision's own, through a node_modules link inside the reference directory.
 * Returns the bundle's entry.
 */
export async function buildReference(rev: string, outDir: string): Promise<string> {
  const dir = join(outDir, 'reference');
  mkdirSync(join(dir, 'node_modules/@authors'), { recursive: true });
  const archive = execFileSync('git', ['archive', '--format=tar', rev, 'server', 'shared', 'drizzle', 'tsconfig.base.json'], { cwd: ROOT, maxBuffer: 1 << 28 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync('../../shared', join(dir, 'node_modules/@authors/shared'));
  execFileSync(join(ROOT, 'node_modules/.bin/tsup'), [], { cwd: join(dir, 'server'), stdio: ['ignore', 'ignore', 'inherit'] });
  return join(dir, 'server/dist/main.js');
}

async function waitForHealth(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}; see ${logFile}`);
    const status = await fetch(`${url}/health`).then((res) => res.status, () => 0);
    if (status === 200) return;
    await sleep(200);
  }
  throw new Error(`server did not become healthy; see ${logFile}`);
}

export async function startServer(options: { name: ServerName; entry: string; env: Record<string, string>; outDir: string }): Promise<BenchServer> {
  const port = await freePort();
  const logFile = join(options.outDir, `${options.name}.log`);
  const log = openSync(logFile, 'a');
  // taskset execs node: the child's pid is the server's.
  const nodeFlags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn('taskset', ['-c', String(SERVER_CORE), process.execPath, ...nodeFlags, '--inspect=127.0.0.1:0', options.entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), ...options.env },
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child, logFile);
  const cores = allowedCores(child.pid!);
  if (cores !== String(SERVER_CORE)) throw new Error(`${options.name} runs on cores ${cores}, not ${SERVER_CORE}`);
  // The log file is appended to across runs: the last announcement is this process's.
  const inspectorUrl = [...readFileSync(logFile, 'utf8').matchAll(/Debugger listening on (ws:\/\/\S+)/g)].at(-1)?.[1];
  if (!inspectorUrl) throw new Error(`no inspector URL in ${logFile}`);
  return {
    name: options.name,
    url,
    pid: child.pid!,
    inspect: () => connectInspector(inspectorUrl),
    waitForIdle: () => waitForIdle(child.pid!),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await once(child, 'exit');
      clearTimeout(killer);
    },
  };
}

const IDLE_SAMPLE_MS = 500;
/** Below 5 % of one core over a sample. */
const IDLE_CPU_SECONDS = 0.025;

async function waitForIdle(pid: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let before = processCpuSeconds(pid);
  while (Date.now() < deadline) {
    await sleep(IDLE_SAMPLE_MS);
    const now = processCpuSeconds(pid);
    if (now - before <= IDLE_CPU_SECONDS) return;
    before = now;
  }
}
