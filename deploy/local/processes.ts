// The local stack's processes: each started with its own log file, known by PID, stopped by PID
// (also from another process: `npm run stack:down` has only the PIDs that .stack.json lists).
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface StackProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  logFile: string;
  cwd: string;
  /** Outlive this process (stack:up exits while the stack runs). */
  detached: boolean;
}

/** Starts a process writing stdout and stderr (appending) to its log file. */
export function startProcess({ name, command, args, env, logFile, cwd, detached }: StartOptions): StackProcess {
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, env, detached, stdio: ['ignore', log, log] });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  if (detached) child.unref();
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { name, pid: child.pid, logFile, child, exited };
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM (or `signal`), then SIGKILL if still running after `graceMs`; resolves once the PID is gone. */
export async function stopPid(
  pid: number,
  { signal = 'SIGTERM', graceMs = 15_000 }: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<void> {
  if (!isRunning(pid)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      await sleep(50);
      continue;
    }
    await sleep(50);
  }
}

/** Polls `ready` until it resolves true; fails with `describe()` (e.g. the log's tail) past the deadline. */
export async function waitUntil(
  what: string,
  ready: () => Promise<boolean>,
  { timeoutMs = 60_000, describe = (): string => '' }: { timeoutMs?: number; describe?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms\n${describe()}`);
    await sleep(100);
  }
}

/** Whether GET `url` answers 200. */
export async function answers200(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.status === 200;
}

/** `count` distinct TCP ports free right now on 127.0.0.1 (each process must know its port before it starts). */
export async function freePorts(count: number): Promise<number[]> {
  // All probes stay open until every port is known, so no two can be handed the same port.
  const probes = Array.from({ length: count }, () => createServer());
  await Promise.all(probes.map((probe) => new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))));
  const ports = probes.map((probe) => (probe.address() as { port: number }).port);
  await Promise.all(probes.map((probe) => new Promise((resolve) => probe.close(resolve))));
  return ports;
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}
