// The two servers under test, each a child process on 127.0.0.1 with its own log file: the project
// (server/src/main.ts against real PostgreSQL and Redis) and the baseline (bench/baseline/server.ts).
// Started through bash to raise the open-files limit for thousands of sockets, and with the inspector
// on a local port so the memory workload can run a full GC before reading RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { freePort } from '../test/helpers/process';

export interface BenchServer {
  name: 'project' | 'baseline';
  url: string;
  pid: number;
  /**
   * Resolves once the server has (nearly) stopped using CPU — e.g. finished pushing a fan-out
   * backlog to sockets that just closed — so it does not steal CPU from the next measurement.
   */
  waitForIdle(): Promise<void>;
  /** A full, blocking garbage collection in the server (through its inspector). */
  collectGarbage(): Promise<void>;
  stop(): Promise<void>;
}

const ROOT = new URL('..', import.meta.url).pathname;

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

export async function startServer(options: {
  name: BenchServer['name'];
  entry: string;
  env: Record<string, string>;
  nodeFlags?: string[];
  outDir: string;
}): Promise<BenchServer> {
  const port = await freePort();
  const logFile = join(options.outDir, `${options.name}.log`);
  const log = openSync(logFile, 'a');
  const node = [process.execPath, '--inspect=127.0.0.1:0', ...(options.nodeFlags ?? []), '--conditions=@authors/source', '--import', 'tsx', options.entry];
  const child = spawn('bash', ['-c', 'ulimit -n 65536 2>/dev/null; exec "$@"', 'bash', ...node], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), ...options.env },
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child, logFile);
  // The log file is appended to across runs: the last announcement is this process's.
  const announcements = [...readFileSync(logFile, 'utf8').matchAll(/Debugger listening on (ws:\/\/\S+)/g)];
  const inspector = announcements.at(-1)?.[1];
  if (!inspector) throw new Error(`no inspector URL in ${logFile}`);
  return {
    name: options.name,
    url,
    pid: child.pid!,
    waitForIdle: () => waitForIdle(child.pid!),
    collectGarbage: () => collectGarbage(inspector),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await once(child, 'exit');
      clearTimeout(killer);
    },
  };
}

/** Asks V8 for a full GC over the inspector protocol (HeapProfiler.collectGarbage). */
async function collectGarbage(inspectorUrl: string): Promise<void> {
  const ws = new WebSocket(inspectorUrl);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  await new Promise<void>((resolve) => {
    ws.on('message', (raw) => {
      if ((JSON.parse(raw.toString()) as { id?: number }).id === 1) resolve();
    });
    ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
  });
  ws.close();
}

/** CPU time (user + system) a process has used, in clock ticks (Linux). */
function cpuTicksOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
}

const IDLE_SAMPLE_MS = 500;
/** Below 10 % of one core over a sample (ticks are 10 ms). */
const IDLE_TICKS = 5;

async function waitForIdle(pid: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let before = cpuTicksOf(pid);
  while (Date.now() < deadline) {
    await sleep(IDLE_SAMPLE_MS);
    const now = cpuTicksOf(pid);
    if (now - before <= IDLE_TICKS) return;
    before = now;
  }
}
