// The production logger's stdout path (observability/line-batch.ts in front of sonic-boom): every
// line reaches stdout, whole and in order, whether the process exits right after logging, logs
// less than a batch and stays up, ends by itself, or flushes before process.exit() as main.ts does
// on a fatal error.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LOGGER = fileURLToPath(new URL('../server/src/observability/logger.ts', import.meta.url));

/** Runs `body` in a child process with `logger` made by createLogger for production; resolves with its stdout and when it came. */
async function run(body: string): Promise<{ lines: Record<string, unknown>[]; chunks: { at: number; text: string }[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'line-batch-'));
  const script = join(dir, 'child.ts');
  writeFileSync(script, `import { createLogger } from ${JSON.stringify(LOGGER)};\nconst logger = createLogger({ LOG_LEVEL: 'info', NODE_ENV: 'production' });\n${body}\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = Date.now();
  const chunks: { at: number; text: string }[] = [];
  child.stdout.setEncoding('utf8').on('data', (text: string) => chunks.push({ at: Date.now() - started, text }));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
  const text = chunks.map((chunk) => chunk.text).join('');
  expect(text.endsWith('\n')).toBe(true);
  return { lines: text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>), chunks };
}

describe('production log lines on stdout', () => {
  it('are all written, in order, when the process exits right after logging them', async () => {
    const { lines } = await run(`for (let i = 0; i < 5000; i++) logger.info({ i, text: 'é'.repeat(i % 7) }, 'line');\nprocess.exit(0);`);
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(lines.every((line) => line.msg === 'line' && line.service === 'authors-rpc' && line.text === 'é'.repeat((line.i as number) % 7))).toBe(true);
  }, 30_000);

  it('are written within the flush period when fewer than a batch are logged', async () => {
    const { lines, chunks } = await run(`logger.info({ i: 0 }, 'early');\nsetTimeout(() => { logger.info({ i: 1 }, 'late'); setTimeout(() => {}, 1000); }, 1000);`);
    expect(lines.map((line) => line.msg)).toEqual(['early', 'late']);
    // The first line came out long before the second was logged (a second later) and the exit.
    expect(chunks[0]!.text).toContain('"early"');
    expect(chunks[0]!.text).not.toContain('"late"');
  }, 30_000);

  it('are all written when the process ends by itself, its event loop empty', async () => {
    const { lines } = await run(`setTimeout(() => { for (let i = 0; i < 3; i++) logger.info({ i }, 'line'); }, 50);`);
    expect(lines.map((line) => line.i)).toEqual([0, 1, 2]);
  }, 30_000);

  it('are written by logger.flush() before process.exit(), as main.ts does on a fatal error', async () => {
    const { lines } = await run(`for (let i = 0; i < 10; i++) logger.info({ i }, 'line');\nlogger.fatal('fatal');\nlogger.flush();\nprocess.exit(1 - 1);`);
    expect(lines.map((line) => line.msg)).toEqual([...Array.from({ length: 10 }, () => 'line'), 'fatal']);
  }, 30_000);
});
