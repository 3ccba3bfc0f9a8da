// The curl walk-through of README.md, executed against a live server process: every block runs,
// and its output must match the documented one, so the documentation cannot rot.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { extractShellBlocks, matchesExpected, ShellSession } from './helpers/markdown-shell';
import { spawnServer, type ServerProcess } from './helpers/process';

const DOC = 'README.md';
const DOC_URL = 'http://localhost:8000';

function has(tool: string): boolean {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const missingTools = ['bash', 'curl', 'jq'].filter((tool) => !has(tool));
if (missingTools.length) {
  const message = `${missingTools.join(', ')} missing: the ${DOC} walk-through is skipped (apt-get install -y ${missingTools.join(' ')})`;
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(message);
  console.warn(`[tests] ${message}`);
}

const blocks = extractShellBlocks(readFileSync(DOC, 'utf8'));

describe.skipIf(missingTools.length > 0)(`${DOC} curl walk-through`, () => {
  let server: ServerProcess;
  let shell: ShellSession;
  beforeAll(async () => {
    server = await spawnServer({});
    shell = new ShellSession();
  });
  afterAll(async () => {
    shell?.close();
    await server?.[Symbol.asyncDispose]();
  });

  it('has blocks to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
  });

  for (const block of blocks) {
    it(`line ${block.line}: ${block.commands.split('\n')[0]}`, async () => {
      const { output, status } = await shell.run(block.commands.replaceAll(DOC_URL, server.url));
      expect(status, output).toBe(0);
      expect(matchesExpected(output, block.expected), `output:\n${output}\nexpected:\n${block.expected}`).toBe(true);
    });
  }

  it('puts the correlation id of a request in its log line', async () => {
    // Log lines reach stdout in batches, at the latest 100 ms after they are logged: wait for it.
    await vi.waitFor(() => expect(server.output()).toMatch(/"path":"\/health"[^\n]*"correlation_id":"walkthrough-1"/), { timeout: 2_000, interval: 50 });
  });
});
