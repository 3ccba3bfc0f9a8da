// Which process runs on which core during `npm run bench`: the measured server alone on SERVER_CORE,
// everything else that works for the run (this harness, the load generators, PostgreSQL and Redis)
// on LOAD_CORE, so the server's core can be saturated and a slow client cannot pass for a slow
// server. PostgreSQL and Redis are shared system services: their previous affinity (every process,
// every thread) is saved first and restored when the run ends, however it ends; backends PostgreSQL
// forks during the run inherit the pin and get their postmaster's old mask back. Should the harness
// be killed outright, `restore-affinity.sh` in the run's output directory puts them back by hand.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

export const SERVER_CORE = 1;
export const LOAD_CORE = 0;

/** The shared services moved to the load core, by process name (`comm`). */
const SERVICES = ['postgres', 'redis-server'];

interface Saved {
  pid: number;
  service: string;
  /** Affinity mask as `taskset -p` prints it (hex). */
  mask: string;
}

const pidsOf = (name: string): number[] => {
  try {
    return execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};
const parentOf = (pid: number) => {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  } catch {
    return 0;
  }
};
const maskOf = (pid: number) => /mask: (\w+)/.exec(execFileSync('taskset', ['-p', String(pid)], { encoding: 'utf8' }))![1]!;
const setMask = (pid: number, mask: string) => {
  try {
    execFileSync('taskset', ['-a', '-p', mask, String(pid)], { stdio: 'ignore' });
  } catch {
    // the process ended meanwhile
  }
};

/** Pins this process (all threads; children inherit it) to `core`. */
export function pinSelf(core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
}

/**
 * Moves PostgreSQL and Redis to `core`; returns the undo (idempotent, synchronous so it can run in
 * an exit handler), also written as a shell script to `restoreScript`.
 */
export function pinSharedServices(core: number, restoreScript: string): { pinned: Saved[]; restore(): void } {
  const saved: Saved[] = SERVICES.flatMap((service) => pidsOf(service).map((pid) => ({ pid, service, mask: maskOf(pid) })));
  writeFileSync(
    restoreScript,
    ['#!/bin/sh', '# Puts the shared services back on their cores if `npm run bench` was killed.', ...saved.map((s) => `taskset -a -p ${s.mask} ${s.pid}`)].join('\n') + '\n',
    { mode: 0o755 },
  );
  for (const { pid } of saved) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
    } catch {
      // ended between pgrep and taskset
    }
  }
  // The mask a process forked during the run would have had: its service's root process's.
  const rootMask = new Map(
    saved.filter((s) => !saved.some((p) => p.pid === parentOf(s.pid))).map((s) => [s.service, s.mask] as const),
  );
  let restored = false;
  return {
    pinned: saved,
    restore() {
      if (restored) return;
      restored = true;
      const known = new Set(saved.map((s) => s.pid));
      for (const { pid, mask } of saved) setMask(pid, mask);
      // Processes started during the run (PostgreSQL backends) inherited the pin from their parent.
      for (const [service, mask] of rootMask) {
        for (const pid of pidsOf(service)) if (!known.has(pid)) setMask(pid, mask);
      }
    },
  };
}
