// A REST client generated from the live /openapi.json the way a user would (openapi-typescript for the
// types, openapi-fetch to call them) runs the README's curl walk-through. The consumer
// (fixtures/rest-client/walkthrough.ts) is type-checked against the generated types first, so a
// document change that breaks generated clients — a renamed parameter or field, a lost route — fails
// here; the run then checks every status and answer. Everything generated stays in a temp dir.
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
const OPENAPI_TYPESCRIPT = join(ROOT, 'node_modules/openapi-typescript/bin/cli.js');

/** A consumer project: the walk-through and only the packages it declares; `generate` adds the types. */
function createProject(): string {
  const project = mkdtempSync(join(tmpdir(), 'rest-client-'));
  cpSync(join(ROOT, 'test/fixtures/rest-client/walkthrough.ts'), join(project, 'walkthrough.ts'));
  for (const dependency of ['openapi-fetch', 'openapi-typescript-helpers', '@types/node']) {
    mkdirSync(join(project, 'node_modules', dependency, '..'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dependency), join(project, 'node_modules', dependency));
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
  // skipLibCheck: the consumer's use of the generated types is what is checked, not the libraries' own.
  const compilerOptions = { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', types: ['node'], skipLibCheck: true, outDir: 'out' };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
  return project;
}

/** Generates `schema.d.ts` from `document` and compiles the walk-through; resolves with tsc's complaints ('' when none). */
async function generateAndCompile(project: string, document: unknown): Promise<string> {
  writeFileSync(join(project, 'openapi.json'), JSON.stringify(document));
  await run(process.execPath, [OPENAPI_TYPESCRIPT, 'openapi.json', '-o', 'schema.d.ts'], { cwd: project });
  return run(process.execPath, [TSC, '-p', project]).then(
    () => '',
    (error: { stdout: string }) => error.stdout,
  );
}

type OpenApiDocument = { paths: Record<string, Record<string, { parameters?: { name: string }[] }>> };

/** The document with GET /authors's `search` parameter renamed: a change that breaks the walk-through. */
function withSearchRenamed(document: OpenApiDocument): OpenApiDocument {
  const renamed = structuredClone(document);
  for (const parameter of renamed.paths['/authors']!.get!.parameters ?? []) {
    if (parameter.name === 'search') parameter.name = 'q';
  }
  return renamed;
}

describe('a REST client generated from /openapi.json', () => {
  let server: TestServer;
  const projects: string[] = [];
  const complaints = { live: '', renamed: '' };

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite' });
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as OpenApiDocument;
    projects.push(createProject(), createProject());
    // Both at once: generation and type-checking are mostly start-up time.
    [complaints.live, complaints.renamed] = await Promise.all([
      generateAndCompile(projects[0]!, document),
      generateAndCompile(projects[1]!, withSearchRenamed(document)),
    ]);
  }, 120_000);
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    for (const project of projects) rmSync(project, { recursive: true, force: true });
  });

  it('type-checks the walk-through and runs it with the documented statuses and answers', async () => {
    expect(complaints.live).toBe('');
    const { stdout } = await run(process.execPath, [join(projects[0]!, 'out/walkthrough.js'), server.url]);
    expect(stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([
      ['health', 200, 'healthy'],
      ['list without a token', 401, 'Authentication required'],
      ['login', 200, { token_type: 'Bearer', expires_in: 300 }],
      ['me', 200, { username: 'writer', roles: ['get-authors', 'create-author', 'update-author', 'delete-author'] }],
      ['create', 201, { id: 1, name: 'Ada Lovelace', dated: true }],
      ['create', 201, 2],
      ['create', 201, 3],
      ['create', 201, 4],
      ['list', 200, [[1, 'Ada Lovelace'], [2, 'Alan Turing'], [3, 'Grace Hopper'], [4, 'Adele Goldberg']]],
      ['search', 200, ['Ada Lovelace', 'Adele Goldberg']],
      ['page 2 of 3', 200, { ids: [4], meta: { page: 2, per_page: 3, total: 4, pages: 2, next_cursor: null, has_more: false } }],
      ['keyset', 200, { ids: [3, 4], has_more: false }],
      ['rename', 200, { id: 1, name: 'Augusta Ada King' }],
      ['blank name', 422, { detail: 'Invalid data', issues: [[['name'], 'too_small']] }],
      ['taken name', 409, 'An author named "Grace Hopper" already exists'],
      ['delete', 204, null],
      ['deleted is gone', 404, 'Author 2 not found'],
      ['audit as writer', 403, 'Missing required role: admin'],
      ['broadcast', 202, { delivered: true }],
      ['refresh', 200, true],
      ['logout', 204, null],
      ['refresh after logout', 401, 'Invalid refresh token'],
    ]);
  });

  it('fails to type-check when the document renames a parameter the walk-through uses', () => {
    expect(complaints.renamed).toMatch(
      /walkthrough\.ts\(\d+,\d+\): error TS2353: Object literal may only specify known properties, and 'search' does not exist/,
    );
  });
});
