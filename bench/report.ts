// The tables of a pinned run: per workload, each server's throughput, p99 and CPU time per request,
// medians over rounds, with the project/baseline ratios checked against the issue's targets. A
// throughput ratio counts only when the project's core was saturated; otherwise the table says
// what held it back. Written into bench/RESULTS.md between markers (the notes around it are kept).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { CpuUsage } from './cpu';
import type { FanOutResult } from './load/fanout';
import type { LoadResult } from './load/result';
import { SERVER_CORE } from './pinning';
import type { ServerName } from './servers';
import { median } from './stats';

/** The server core counts as saturated by a server using this share of it. */
export const SATURATED = 0.9;

export interface ClosedLoopRun {
  result: LoadResult;
  cpu: CpuUsage;
}

/** Ratio targets (project / baseline) of a workload, from the issue. */
export interface Targets {
  throughput?: number;
  p99?: number;
  cpu?: number;
}

export interface ClosedLoopWorkload {
  workload: string;
  unit: string;
  targets: Targets;
  runs: Record<ServerName, ClosedLoopRun[]>;
}

export interface FanOutWorkload {
  connections: number;
  /** Instances of each server the subscribers are spread over (1 but where one process cannot hold them). */
  instances: number;
  runs: Record<ServerName, FanOutResult[]>;
}

/** Fan-out targets: at the largest N, nothing lost, p99 within this ratio; memory per connection. */
export const FAN_OUT_P99_RATIO = 1.2;
export const MAX_KIB_PER_CONNECTION = 12;

const busyOf = (name: ServerName, cpu: CpuUsage) => cpu.processSeconds[name]! / cpu.wallSeconds;
const cpuUsPer = (name: string, cpu: CpuUsage, operations: number) => ((cpu.processSeconds[name] ?? Number.NaN) * 1e6) / operations;
const clientUsPer = ({ result }: ClosedLoopRun) => (result.clientCpuSeconds * 1e6) / result.ok;

const fixed = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–';
const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');
const percent = (value: number) => (Number.isFinite(value) ? `${Math.round(value * 100)} %` : '–');
const range = (values: number[]) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
const verdict = (met: boolean) => (met ? 'yes' : '**no**');

/** Per-round project/baseline ratios of `value` (rounds pair the two servers' adjacent runs). */
function roundRatios<T>(runs: Record<ServerName, T[]>, value: (run: T, name: ServerName) => number): number[] {
  return runs.project.map((run, i) => value(run, 'project') / value(runs.baseline[i]!, 'baseline'));
}

/** Why the project's core was not saturated: its own core was shared, or it was waiting on the client. */
function saturation(runs: ClosedLoopRun[]): { saturated: boolean; label: string } {
  const busy = median(runs.map((run) => busyOf('project', run.cpu)));
  if (busy >= SATURATED) return { saturated: true, label: percent(busy) };
  const coreBusy = median(runs.map((run) => run.cpu.coreBusy[SERVER_CORE]!));
  return { saturated: false, label: `${percent(busy)} (${coreBusy >= SATURATED ? 'contended: other processes on its core' : 'client-bound'})` };
}

export function renderClosedLoop(workloads: ClosedLoopWorkload[]): string {
  const lines = [
    '| workload | baseline | project / baseline throughput (rounds) | project core busy (baseline) | p99 ms baseline / project (ratio) | server CPU µs per request baseline / project (ratio, rounds) | PostgreSQL CPU µs per request baseline / project | load generator CPU µs per request baseline / project | targets met |',
    '| --- | ---: | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { workload, unit, targets, runs } of workloads) {
    const throughput = roundRatios(runs, (run) => run.result.perSecond);
    const p99 = roundRatios(runs, (run) => run.result.p99);
    const cpu = roundRatios(runs, (run, name) => cpuUsPer(name, run.cpu, run.result.ok));
    const { saturated, label } = saturation(runs.project);
    const baselineBusy = median(runs.baseline.map((run) => busyOf('baseline', run.cpu)));
    const base = (value: (run: ClosedLoopRun, name: ServerName) => number, name: ServerName) =>
      median(runs[name].map((run) => value(run, name)));
    const checks: string[] = [];
    if (targets.throughput !== undefined) {
      checks.push(`throughput ≥ ${targets.throughput}: ${saturated ? verdict(median(throughput) >= targets.throughput) : 'not counted (not saturated)'}`);
    }
    if (targets.p99 !== undefined) checks.push(`p99 ≤ ${targets.p99}: ${verdict(median(p99) <= targets.p99)}`);
    if (targets.cpu !== undefined) checks.push(`CPU ≤ ${targets.cpu}: ${verdict(median(cpu) <= targets.cpu)}`);
    const errors = [...runs.project, ...runs.baseline].reduce((sum, run) => sum + run.result.errors, 0);
    lines.push(
      `| ${workload} | ${fixed(base((run) => run.result.perSecond, 'baseline'))} ${unit} | ` +
        `${saturated ? '' : '('}**${ratio(median(throughput))}**${saturated ? '' : ')'} (${range(throughput)}) | ${label} (${percent(baselineBusy)}) | ` +
        `${fixed(base((run) => run.result.p99, 'baseline'), 1)} / ${fixed(base((run) => run.result.p99, 'project'), 1)} (${ratio(median(p99))}) | ` +
        `${fixed(base((run, name) => cpuUsPer(name, run.cpu, run.result.ok), 'baseline'))} / ${fixed(base((run, name) => cpuUsPer(name, run.cpu, run.result.ok), 'project'))} (**${ratio(median(cpu))}**, ${range(cpu)}) | ` +
        `${fixed(base((run) => cpuUsPer('postgres', run.cpu, run.result.ok), 'baseline'))} / ${fixed(base((run) => cpuUsPer('postgres', run.cpu, run.result.ok), 'project'))} | ` +
        `${fixed(base(clientUsPer, 'baseline'))} / ${fixed(base(clientUsPer, 'project'))} | ` +
        `${checks.join('; ') || '–'}${errors ? `; ${errors} errors` : ''} |`,
    );
  }
  return lines.join('\n');
}

export const fanOutLabel = ({ connections, instances }: FanOutWorkload) =>
  instances === 1 ? fixed(connections) : `${fixed(connections)} (${instances} instances each)`;

export function renderFanOut(workloads: FanOutWorkload[]): string {
  const lines = [
    '| subscribers (half legacy, half tRPC-WS) | deliveries/s baseline / project | p99 ms baseline / project (ratio) | lost baseline / project | CPU µs per delivery baseline / project (ratio, rounds) | KiB per idle connection baseline / project | warm-up p99 ms baseline / project | targets met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  // The targets hold at the largest N, of one process and of several instances alike.
  const largest = (instances: number) => Math.max(...workloads.filter((w) => w.instances === instances).map((w) => w.connections));
  for (const workload of workloads) {
    const { connections, instances, runs } = workload;
    const med = (name: ServerName, value: (run: FanOutResult) => number) => median(runs[name].map(value));
    const cpuPerDelivery = (run: FanOutResult, name: ServerName) => cpuUsPer(name, run.cpu, run.delivered);
    const p99 = roundRatios(runs, (run) => run.p99);
    const cpu = roundRatios(runs, cpuPerDelivery);
    const lost = (name: ServerName) => runs[name].reduce((sum, run) => sum + run.lost, 0);
    const kib = (name: ServerName) => med(name, (run) => run.bytesPerConnection / 1024);
    const checks = [`≤ ${MAX_KIB_PER_CONNECTION} KiB: ${verdict(kib('project') <= MAX_KIB_PER_CONNECTION)}`];
    if (connections === largest(instances)) {
      checks.unshift(`0 lost: ${verdict(lost('project') === 0)}`, `p99 ≤ ${FAN_OUT_P99_RATIO}: ${verdict(median(p99) <= FAN_OUT_P99_RATIO)}`);
    }
    lines.push(
      `| ${fanOutLabel(workload)} | ${fixed(med('baseline', (run) => run.deliveriesPerSecond))} / ${fixed(med('project', (run) => run.deliveriesPerSecond))} | ` +
        `${fixed(med('baseline', (run) => run.p99), 1)} / ${fixed(med('project', (run) => run.p99), 1)} (${ratio(median(p99))}) | ` +
        `${lost('baseline')} / ${lost('project')} | ` +
        `${fixed(median(runs.baseline.map((run) => cpuPerDelivery(run, 'baseline'))), 1)} / ${fixed(median(runs.project.map((run) => cpuPerDelivery(run, 'project'))), 1)} (**${ratio(median(cpu))}**, ${range(cpu)}) | ` +
        `${fixed(kib('baseline'), 1)} / ${fixed(kib('project'), 1)} | ` +
        `${fixed(med('baseline', (run) => run.warmUp.p99), 1)} / ${fixed(med('project', (run) => run.warmUp.p99), 1)} | ${checks.join('; ')} |`,
    );
  }
  return lines.join('\n');
}

/** Every round's figures, for the run's directory (the tables show medians). */
export function renderRounds(closed: ClosedLoopWorkload[], fanOut: FanOutWorkload[]): string {
  const lines = [
    '| workload | round | server | ops | per second | p50 ms | p99 ms | server busy | server core busy | load core busy | server CPU µs per op | PostgreSQL µs per op | load generator µs per op | errors/lost |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const row = (workload: string, round: number, name: ServerName, perSecond: number, p50: number, p99: number, cpu: CpuUsage, ops: number, client: number, bad: number) =>
    lines.push(
      `| ${workload} | ${round + 1} | ${name} | ${ops} | ${fixed(perSecond)} | ${fixed(p50, 2)} | ${fixed(p99, 2)} | ${percent(busyOf(name, cpu))} | ` +
        `${percent(cpu.coreBusy[SERVER_CORE] ?? Number.NaN)} | ${percent(cpu.coreBusy[1 - SERVER_CORE] ?? Number.NaN)} | ${fixed(cpuUsPer(name, cpu, ops), 1)} | ` +
        `${fixed(cpuUsPer('postgres', cpu, ops), 1)} | ${fixed((client * 1e6) / ops, 1)} | ${bad} |`,
    );
  for (const { workload, runs } of closed) {
    for (const name of ['project', 'baseline'] as const) {
      runs[name].forEach(({ result, cpu }, round) =>
        row(workload, round, name, result.perSecond, result.p50, result.p99, cpu, result.ok, result.clientCpuSeconds, result.errors),
      );
    }
  }
  for (const workload of fanOut) {
    for (const name of ['project', 'baseline'] as const) {
      workload.runs[name].forEach((run, round) =>
        row(`W3 fan-out ${fanOutLabel(workload)}`, round, name, run.deliveriesPerSecond, run.p50, run.p99, run.cpu, run.delivered, run.clientCpuSeconds, run.lost),
      );
    }
  }
  return lines.join('\n');
}

const START = '<!-- bench:latest:start -->';
const END = '<!-- bench:latest:end -->';

/** Replaces the generated block of RESULTS.md (or appends it), keeping the hand-written notes. */
export function writeResults(file: string, block: string): void {
  const generated = `${START}\n${block}\n${END}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n\n';
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next =
    start !== -1 && end !== -1
      ? current.slice(0, start) + generated + current.slice(end + END.length)
      : `${current.trimEnd()}\n\n${generated}\n`;
  writeFileSync(file, next);
}
