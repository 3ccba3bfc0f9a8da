// The ratio table: medians over rounds, project / baseline, checked against the targets;
// printed and written into bench/RESULTS.md between markers (the notes around it are kept).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { median } from './stats';

export type ServerName = 'project' | 'baseline';
/** One metric of one workload: the value per round, per server. */
export interface Metric {
  workload: string;
  metric: string;
  unit: string;
  /** Throughput-like (ratio wanted high) or cost-like (ratio wanted low). */
  higherIsBetter: boolean;
  values: Record<ServerName, number[]>;
  /** Pass/fail against the target, from the project's and the baseline's medians. */
  target?: { text: string; met: (project: number, baseline: number) => boolean };
}

const format = (value: number) =>
  Number.isNaN(value) ? '–' : value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);

export function renderTable(metrics: Metric[]): string {
  const lines = [
    '| workload | metric | project | baseline | project/baseline | target | met |',
    '| --- | --- | ---: | ---: | ---: | --- | :-: |',
  ];
  for (const m of metrics) {
    const project = median(m.values.project);
    const baseline = median(m.values.baseline);
    const ratio = baseline === 0 ? Number.NaN : project / baseline;
    const met = m.target ? (m.target.met(project, baseline) ? 'yes' : '**no**') : '';
    lines.push(
      `| ${m.workload} | ${m.metric} (${m.unit}) | ${format(project)} | ${format(baseline)} | ${format(ratio)} | ${m.target?.text ?? ''} | ${met} |`,
    );
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
