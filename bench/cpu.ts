// What the CPUs did during a measured window, read from /proc (Linux): the CPU time a process used
// (utime + stime of /proc/<pid>/stat, which covers all its threads, also ones that ended) and how
// busy each core was (/proc/stat). A throughput figure means something only when the measured
// server's core was saturated; the server's CPU time per request holds either way.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on every Linux build that matters). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in seconds. */
export function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime (fields 14, 15)
}

interface CoreTimes {
  busy: number;
  steal: number;
  total: number;
}

/** Cumulative ticks of one core: busy (everything but idle, iowait and steal), stolen, total. */
function coreTimes(core: number): CoreTimes {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((row) => row.startsWith(`cpu${core} `));
  if (!line) throw new Error(`no cpu${core} in /proc/stat`);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq!;
  return { busy, steal: steal!, total: busy + idle! + iowait! + steal! };
}

/** The cores the scheduler may run `pid` on (`Cpus_allowed_list` of /proc/<pid>/status). */
export function allowedCores(pid: number): string {
  const match = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no Cpus_allowed_list for ${pid}`);
  return match[1]!;
}

export interface CpuUsage {
  wallSeconds: number;
  /** CPU seconds per named group of processes (a process that ended meanwhile is left out). */
  processSeconds: Record<string, number>;
  /** Fraction of each core's time that was busy (any process), by core number. */
  coreBusy: Record<number, number>;
  /** Fraction of each core's time the hypervisor took away. */
  coreSteal: Record<number, number>;
}

const cpuSecondsIfAlive = (pid: number): number | undefined => {
  try {
    return processCpuSeconds(pid);
  } catch {
    return undefined;
  }
};

/** Starts a window now; `end()` reports what the given groups of processes and cores did since. */
export function startCpuWindow(processes: Record<string, number[]>, cores: number[]): { end(): CpuUsage } {
  const started = performance.now();
  const before = Object.entries(processes).map(([name, pids]) => [name, pids.map((pid) => [pid, cpuSecondsIfAlive(pid)] as const)] as const);
  const coresBefore = cores.map(coreTimes);
  return {
    end() {
      const wallSeconds = (performance.now() - started) / 1000;
      const processSeconds = Object.fromEntries(
        before.map(([name, pids]) => {
          let seconds = 0;
          for (const [pid, then] of pids) {
            const now = cpuSecondsIfAlive(pid);
            if (then !== undefined && now !== undefined) seconds += now - then;
          }
          return [name, seconds];
        }),
      );
      const coreBusy: Record<number, number> = {};
      const coreSteal: Record<number, number> = {};
      cores.forEach((core, i) => {
        const now = coreTimes(core);
        const total = now.total - coresBefore[i]!.total;
        coreBusy[core] = total > 0 ? (now.busy - coresBefore[i]!.busy) / total : Number.NaN;
        coreSteal[core] = total > 0 ? (now.steal - coresBefore[i]!.steal) / total : Number.NaN;
      });
      return { wallSeconds, processSeconds, coreBusy, coreSteal };
    },
  };
}
