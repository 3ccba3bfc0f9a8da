// The client package as a consumer gets it: built JS + bundled .d.ts, in a project that has only the
// client and its declared dependencies — no server source, no workspace.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

const consumerSource = `
import { createClient, TRPCClientError, type AuthorsClient } from '@authors/client';

const url = process.argv[2] ?? 'http://localhost:8000';
const session = await createClient({ url }).auth.login.mutate({ username: 'writer', password: 'writer' });
const client: AuthorsClient = createClient({ url, token: session.access_token });
const created = await client.authors.create.mutate({ name: 'Consumer' });
const when: Date = created.created_at;
const page = await client.authors.paginated.query({ per_page: 5 });
const total: number = page.meta.total;
try {
  await client.authors.byId.query({ id: 424242 });
} catch (error) {
  if (error instanceof TRPCClientError) console.log(JSON.stringify({ code: error.data?.code }));
}
console.log(JSON.stringify({ id: created.id, name: created.name, isDate: when instanceof Date, total }));
`;

describe('the built client package', () => {
  let project: string;
  let server: TestServer;

  beforeAll(async () => {
    await run('npm', ['run', 'build', '-w', '@authors/client'], { cwd: ROOT });
    project = mkdtempSync(join(tmpdir(), 'client-consumer-'));
    const installed = join(project, 'node_modules/@authors/client');
    mkdirSync(installed, { recursive: true });
    cpSync(join(ROOT, 'client/package.json'), join(installed, 'package.json'));
    cpSync(join(ROOT, 'client/dist'), join(installed, 'dist'), { recursive: true });
    for (const dependency of ['@trpc/client', '@trpc/server', 'superjson', 'zod', 'ws', '@types/node']) {
      mkdirSync(join(project, 'node_modules', dependency, '..'), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', dependency), join(project, 'node_modules', dependency));
    }
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          types: ['node'],
          skipLibCheck: false,
        },
        include: ['*.ts'],
      }),
    );
    server = await startTestServer({ driver: 'pglite' });
  }, 120_000);

  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  const typecheck = (source: string) => {
    writeFileSync(join(project, 'consumer.ts'), source);
    return run(process.execPath, [TSC, '-p', project]).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
  };

  it('type-checks a consumer with full inference', async () => {
    expect(await typecheck(consumerSource)).toBe('');
  });

  it('rejects a consumer that misuses the API, so the check can fail', async () => {
    const errors = await typecheck(
      `import { createClient } from '@authors/client';\n` +
        `const client = createClient({ url: 'http://x' });\n` +
        `await client.authors.byId.query({ id: 'seven' });\n` +
        `await client.authors.nope.query();\n`,
    );
    expect(errors).toMatch(/consumer\.ts\(3,.*Type 'string' is not assignable to type 'number'/);
    expect(errors).toMatch(/consumer\.ts\(4,.*Property 'nope' does not exist/);
  });

  it('runs against a live server from the built JavaScript', async () => {
    writeFileSync(join(project, 'consumer.mjs'), (await import('typescript')).transpile(consumerSource, { target: 99, module: 99 }));
    const { stdout } = await run(process.execPath, [join(project, 'consumer.mjs'), server.url]);
    expect(stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([
      { code: 'NOT_FOUND' },
      { id: 1, name: 'Consumer', isDate: true, total: 1 },
    ]);
  });
});
