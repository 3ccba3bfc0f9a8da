// The order test files start in. Vitest runs the longest first when an earlier run in this checkout
// recorded durations, and otherwise the largest; CI starts from a clean install, where size says
// little: the suites that start other processes (servers, local stacks, browsers, builds, CLIs) take
// far longer than the in-process ones. Without recorded durations those go first, so the quick
// in-process files fill the end of the run instead of one long suite starting last.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** An import that starts processes: child_process, the spawning helpers, the local stack. */
const STARTS_PROCESSES = /from '(node:child_process|\.\/helpers\/(process|instances|stack|chromium)|\.\.\/deploy\/local\/[\w-]+)'/;

export class ProcessesFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const durationsKnown = files.every(({ project, moduleId }) =>
      this.ctx.cache.getFileTestResults(`${project.name}:${relative(this.ctx.config.root, moduleId)}`),
    );
    if (durationsKnown) return sorted;
    const startsProcesses = (file: TestSpecification) => STARTS_PROCESSES.test(readFileSync(file.moduleId, 'utf8'));
    return [...sorted.filter(startsProcesses), ...sorted.filter((file) => !startsProcesses(file))];
  }
}
