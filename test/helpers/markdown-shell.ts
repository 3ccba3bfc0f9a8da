// Extracts the shell walk-through from a Markdown file: each ```sh block must be followed by a ```text block holding its expected output, where
// `...` stands for any text. Runs the blocks one after another in one bash session, so variables
// set by one block (TOKEN, CURSOR) are seen by the next.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ShellBlock {
  /** 1-based line of the ```sh fence, for messages. */
  line: number;
  commands: string;
  expected: string;
}

export function extractShellBlocks(markdown: string): ShellBlock[] {
  const fence = /^```(\S*).*\n([\s\S]*?)^```\n/gm;
  const blocks: { info: string; body: string; start: number; end: number }[] = [];
  for (const match of markdown.matchAll(fence)) {
    blocks.push({ info: match[1]!, body: match[2]!, start: match.index, end: match.index + match[0].length });
  }
  const lineOf = (offset: number) => markdown.slice(0, offset).split('\n').length;
  const result: ShellBlock[] = [];
  blocks.forEach((block, index) => {
    if (block.info !== 'sh') return;
    const next = blocks[index + 1];
    if (!next || next.info !== 'text' || next.start !== block.end) {
      throw new Error(`the sh block at line ${lineOf(block.start)} is not directly followed by a text block with its output`);
    }
    result.push({ line: lineOf(block.start), commands: block.body, expected: next.body.trimEnd() });
  });
  return result;
}

/** Whether `actual` matches `expected`, where `...` in `expected` matches any text. */
export function matchesExpected(actual: string, expected: string): boolean {
  const pattern = expected
    .split('...')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*?');
  return new RegExp(`^${pattern}$`).test(actual.trimEnd());
}

/** One long-lived bash; each block runs from a file with stdin from /dev/null, stderr merged into stdout. */
export class ShellSession {
  private readonly bash: ChildProcessWithoutNullStreams;
  private readonly dir = mkdtempSync(join(tmpdir(), 'walkthrough-'));
  private output = '';
  private count = 0;

  constructor() {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    this.bash.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.bash.stdin.write('exec 2>&1\n');
  }

  /** Runs `commands` and resolves with their output and exit status. */
  run(commands: string): Promise<{ output: string; status: number }> {
    const id = ++this.count;
    const file = join(this.dir, `block-${id}.sh`);
    writeFileSync(file, commands);
    const marker = `__BLOCK_${id}_DONE__`;
    this.output = '';
    this.bash.stdin.write(`source ${file} </dev/null; printf '\\n${marker} %s\\n' "$?"\n`);
    return new Promise((resolve, reject) => {
      const poll = setInterval(() => {
        const match = new RegExp(`\\n?${marker} (\\d+)\\n`).exec(this.output);
        if (match) {
          clearInterval(poll);
          resolve({ output: this.output.slice(0, match.index), status: Number(match[1]) });
        } else if (this.bash.exitCode !== null) {
          clearInterval(poll);
          reject(new Error(`bash exited (${this.bash.exitCode}) during the block:\n${this.output}`));
        }
      }, 20);
    });
  }

  close(): void {
    this.bash.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
