// authors-cli against a live server, as a user runs it: a real child process per command, a config
// directory of its own (XDG_CONFIG_HOME), exact stdout/stderr and exit codes. The CLI is bundled once
// with the package's own tsup config (as its bin is built) into a scratch directory: a bundled start
// takes a fraction of running the TypeScript source through tsx, and this suite starts it ~20 times.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Author } from '@authors/client';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Under the repository's node_modules, so the bundle resolves the client's dependencies. */
const CLI_DIR = join(ROOT, 'node_modules/.cache/authors-cli-test');
const CLI = [join(CLI_DIR, 'cli.js')];
const WRITER_ROLES = 'get-authors, create-author, update-author, delete-author';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const timestamp = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ');

describe('authors-cli', () => {
  let server: TestServer;
  let home: string;

  beforeAll(async () => {
    const bundled = build({
      config: join(ROOT, 'client/tsup.config.ts'),
      entry: { cli: join(ROOT, 'client/src/cli/main.ts') },
      outDir: CLI_DIR,
      // tsup externalizes the dependencies of the package.json in the working directory (the root's
      // here): name the client's, as building inside client/ would.
      external: Object.keys(JSON.parse(readFileSync(join(ROOT, 'client/package.json'), 'utf8')).dependencies),
      silent: true,
    });
    [server] = await Promise.all([startTestServer({ driver: 'pglite' }), bundled]);
    home = mkdtempSync(join(tmpdir(), 'authors-cli-'));
  }, 60_000);
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const configFile = () => join(home, 'config', 'authors-cli', 'config.json');

  function start(args: string[], options: { stdin?: string; configHome?: string } = {}) {
    const child = spawn(process.execPath, [...CLI, ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        XDG_CONFIG_HOME: options.configHome ?? join(home, 'config'),
        AUTHORS_URL: server.url,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    child.stdin.end(options.stdin ?? '');
    const exited = once(child, 'exit').then(([code]): Run => ({ code: code as number | null, ...output }));
    return { child, output, exited };
  }
  const run = (args: string[], options?: { stdin?: string; configHome?: string }) => start(args, options).exited;

  /** Resolves once `predicate` holds for what the process printed so far. */
  async function waitFor(process: ReturnType<typeof start>, predicate: (output: { stdout: string; stderr: string }) => boolean) {
    await expect.poll(() => predicate(process.output), { timeout: 10_000 }).toBe(true);
  }

  it('login stores the token set (owner-only file) and says who is signed in', async () => {
    expect(await run(['login', 'writer'], { stdin: 'writer\n' })).toEqual({
      code: 0,
      stdout: `Logged in to ${server.url} as writer (roles: ${WRITER_ROLES})\n`,
      stderr: '',
    });
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    const config = JSON.parse(readFileSync(configFile(), 'utf8'));
    expect(Object.keys(config.sessions)).toEqual([server.url]);
    expect(config.sessions[server.url]).toMatchObject({ username: 'writer', tokens: { token_type: 'Bearer' } });

    const json = await run(['login', 'writer', '--json'], { stdin: 'writer\n' });
    expect([json.code, JSON.parse(json.stdout), json.stderr]).toEqual([
      0,
      { url: server.url, username: 'writer', roles: WRITER_ROLES.split(', ') },
      '',
    ]);
  });

  it('refuses wrong credentials, missing sessions and bad usage with clear messages and exit codes', async () => {
    expect(await run(['login', 'writer'], { stdin: 'wrong\n', configHome: join(home, 'other') })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: login failed: Invalid user credentials\n',
    });
    expect(await run(['authors', 'list'], { configHome: join(home, 'other') })).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: not signed in to ${server.url}: run \`authors-cli login <username>\`\n`,
    });
    expect(await run(['authors', 'list', '--page', '0'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: --page must be a positive integer, got "0"\n',
    });
    const unknownOption = await run(['authors', 'create', 'X', '--colour', 'red']);
    expect([unknownOption.code, unknownOption.stderr.startsWith("error: Unknown option '--colour'.")]).toEqual([2, true]);
    expect(unknownOption.stderr.endsWith('usage: authors-cli authors create <name>\n')).toBe(true);
    const unknown = await run(['authors', 'rename']);
    expect([unknown.code, unknown.stderr.split('\n')[0]]).toEqual([2, 'error: unknown command: authors rename']);
    expect(await run(['--url', 'ftp://example.org', 'authors', 'list'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: --url: expected http(s), got ftp://example.org\n',
    });
  });

  it('authors create prints the new author; a duplicate is a CONFLICT', async () => {
    const created = await run(['authors', 'create', 'Ada Lovelace']);
    const [ada] = await (await server.clientAs('reader')).authors.list.query({ name: 'Ada Lovelace' });
    expect(created).toEqual({ code: 0, stdout: `Created author ${ada!.id}: Ada Lovelace\n`, stderr: '' });

    const json = await run(['authors', 'create', '  Grace Hopper ', '--json']);
    const grace = JSON.parse(json.stdout) as Record<string, unknown>;
    expect([json.code, json.stderr, grace.name, Object.keys(grace)]).toEqual([0, '', 'Grace Hopper', ['id', 'name', 'created_at', 'updated_at']]);

    expect(await run(['authors', 'create', 'Ada Lovelace'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: An author named "Ada Lovelace" already exists (CONFLICT)\n',
    });
    // The server's message for invalid input is zod's issues as JSON (as stock tRPC sends it): the CLI
    // writes them as one line.
    expect(await run(['authors', 'create', '   '])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: Invalid data: name: Too small: expected string to have >=1 characters (BAD_REQUEST)\n',
    });
  });

  it('authors list prints a table with a page line; --name, --page, --per-page and --json', async () => {
    const reader = await server.clientAs('reader');
    const all: Author[] = await reader.authors.list.query({});
    // A fresh database: ids 1 and 2.
    expect(all.map((author) => [author.id, author.name])).toEqual([[1, 'Ada Lovelace'], [2, 'Grace Hopper']]);
    const [ada, grace] = all as [Author, Author];

    expect(await run(['authors', 'list'])).toEqual({
      code: 0,
      stdout: [
        'ID  NAME          CREATED (UTC)',
        ` 1  Ada Lovelace  ${timestamp(ada.created_at)}`,
        ` 2  Grace Hopper  ${timestamp(grace.created_at)}`,
        'Page 1 of 1 (2 authors)',
        '',
      ].join('\n'),
      stderr: '',
    });
    expect(await run(['authors', 'list', '--name', 'GRACE'])).toEqual({
      code: 0,
      stdout: ['ID  NAME          CREATED (UTC)', ` 2  Grace Hopper  ${timestamp(grace.created_at)}`, 'Page 1 of 1 (1 author)', ''].join('\n'),
      stderr: '',
    });
    expect((await run(['authors', 'list', '--page', '2', '--per-page', '1'])).stdout).toBe(
      ['ID  NAME          CREATED (UTC)', ` 2  Grace Hopper  ${timestamp(grace.created_at)}`, 'Page 2 of 2 (2 authors)', ''].join('\n'),
    );
    expect(await run(['authors', 'list', '--name', 'nobody by that name'])).toEqual({ code: 0, stdout: 'No authors found.\n', stderr: '' });

    const json = await run(['authors', 'list', '--json', '--per-page', '1']);
    expect(JSON.parse(json.stdout)).toEqual({
      items: [{ id: ada.id, name: 'Ada Lovelace', created_at: ada.created_at.toISOString(), updated_at: ada.updated_at.toISOString() }],
      meta: { page: 1, per_page: 1, total: 2, pages: 2, next_cursor: null, has_more: true },
    });
  });

  it('refreshes an expired access token and stores the rotated token set', async () => {
    const config = JSON.parse(readFileSync(configFile(), 'utf8'));
    const before = config.sessions[server.url];
    before.obtained_at -= before.tokens.expires_in * 1000;
    writeFileSync(configFile(), JSON.stringify(config));

    const listed = await run(['authors', 'list', '--json']);
    expect([listed.code, listed.stderr, JSON.parse(listed.stdout).meta.total]).toEqual([0, '', 2]);
    const after = JSON.parse(readFileSync(configFile(), 'utf8')).sessions[server.url];
    expect(after.tokens.refresh_token).not.toBe(before.tokens.refresh_token);
    expect(after.obtained_at).toBeGreaterThan(before.obtained_at);
  });

  it('watch prints author events and broadcasts live until interrupted (text and --json)', async () => {
    const text = start(['watch']);
    const json = start(['watch', '--json']);
    const watching = `Watching ${server.url} for author events and broadcasts (Ctrl-C to stop)\n`;
    await Promise.all([waitFor(text, (o) => o.stderr === watching), waitFor(json, (o) => o.stderr === watching)]);

    const writer = await server.clientAs('writer');
    const ursula = await writer.authors.create.mutate({ name: 'Ursula Le Guin' });
    await writer.authors.update.mutate({ id: ursula.id, name: 'Ursula K. Le Guin' });
    await (await server.clientAs('admin')).system.broadcast.mutate({ message: 'Backup at midnight' });
    const expected = [
      `created author ${ursula.id}: Ursula Le Guin`,
      `updated author ${ursula.id}: Ursula K. Le Guin`,
      'broadcast from admin: Backup at midnight',
      '',
    ].join('\n');
    await waitFor(text, (o) => o.stdout === expected);
    await waitFor(json, (o) => o.stdout.split('\n').length === 4);

    text.child.kill('SIGINT');
    json.child.kill('SIGINT');
    expect(await text.exited).toEqual({ code: 0, stdout: expected, stderr: watching });
    const lines = (await json.exited).stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map(({ id, ...event }) => [typeof id, event])).toEqual([
      ['string', { type: 'created', author: { ...ursula, created_at: ursula.created_at.toISOString(), updated_at: ursula.updated_at.toISOString() } }],
      ['string', { type: 'updated', author: expect.objectContaining({ id: ursula.id, name: 'Ursula K. Le Guin' }) }],
      ['string', { type: 'broadcast', message: 'Backup at midnight', from: 'admin' }],
    ]);
  });
});
