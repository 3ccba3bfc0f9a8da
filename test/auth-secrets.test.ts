// Passwords never appear in the database or the logs; the user CLI; development users exist
// outside production only, and production refuses to start while they can still log in.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { runServerToExit } from './helpers/process';
import { runUserCommand } from '../server/src/cli/user-commands';
import { createUsersRepository } from '../server/src/db/users-repository';
import { captureLogs } from './helpers/logs';
import { startTestServer } from './helpers/server';
import { createTestDatabase, hasPostgres } from './helpers/services';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function usersTable(url: string): Promise<Array<{ username: string; password_hash: string; roles: string[] }>> {
  const sql = postgres(url, { max: 1 });
  try {
    return await sql`SELECT username, password_hash, roles FROM users ORDER BY username`;
  } finally {
    await sql.end();
  }
}

/** Runs `npm run user -- …args` against `databaseUrl`; never throws, reports code and output. */
async function userCli(databaseUrl: string, args: string[], stdin?: string) {
  const run = promisify(execFile);
  const child = run(process.execPath, ['--conditions=@authors/source', '--import', 'tsx', 'server/src/cli/user.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl },
  });
  child.child.stdin?.end(stdin ?? '');
  try {
    const { stdout, stderr } = await child;
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe.skipIf(!hasPostgres)('secrets and users', () => {
  it('never stores or logs a password in clear', async () => {
    await using database = await createTestDatabase();
    const secret = 'Correct-Horse-Battery-Staple-42';
    const wrong = 'Wrong-Guess-Xyzzy-17';
    expect(await userCli(database.url, ['add', 'carol', '--roles', 'get-authors', '--password', secret])).toEqual({
      code: 0,
      output: 'Created user carol (roles: get-authors)\n',
    });

    const captured = captureLogs('trace');
    await using server = await startTestServer({ env: { DATABASE_URL: database.url }, logger: captured.logger });
    expect((await server.login('carol', secret)).token_type).toBe('Bearer');
    await expect(server.login('carol', wrong)).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    const tokenEndpoint = `${server.url}/realms/authors/protocol/openid-connect/token`;
    const form = new URLSearchParams({ grant_type: 'password', client_id: 'authors-app', username: 'carol', password: wrong });
    expect((await fetch(tokenEndpoint, { method: 'POST', body: form })).status).toBe(401);

    const rows = await usersTable(database.url);
    expect(rows.map((row) => row.username)).toEqual(['admin', 'carol', 'nobody', 'reader', 'writer']);
    for (const row of rows) {
      expect(row.password_hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
      expect(row.password_hash).not.toContain(row.username);
    }
    const logs = captured.text();
    expect(logs).toContain('"msg":"login failed"');
    expect(logs).toContain('"username":"carol"');
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(wrong);
  });

  it('user commands: roles, passwd, delete, list, and clear errors; role changes apply on refresh', async () => {
    await using server = await startTestServer({ driver: 'postgres' });
    const users = createUsersRepository(server.app.database.db);
    const cli = (args: string[], stdin?: string) => runUserCommand(users, args, async () => stdin);
    expect(await cli(['add', 'dave'], 'from-stdin\n')).toBe('Created user dave (roles: none)');
    expect((await server.login('dave', 'from-stdin')).token_type).toBe('Bearer');
    expect(await cli(['roles', 'dave', 'get-authors,create-author'])).toBe('Roles of dave: get-authors, create-author');
    expect(await cli(['passwd', 'dave', '--password', 'second'])).toBe('Password of dave changed');
    expect(await cli(['list'])).toBe(
      'admin\tget-authors,create-author,update-author,delete-author,admin\ndave\tget-authors,create-author\n' +
        'nobody\t\nreader\tget-authors\nwriter\tget-authors,create-author,update-author,delete-author',
    );
    await expect(cli(['add', 'dave', '--password', 'x'])).rejects.toThrow('A user named "dave" already exists');
    await expect(cli(['add', 'erin'])).rejects.toThrow('Give --password or pipe the password on stdin');
    await expect(cli(['add', 'erin'], '\n')).rejects.toThrow('The password must not be empty');
    await expect(cli(['roles', 'dave', 'get-authors,superuser'])).rejects.toThrow(
      'Unknown role(s): superuser (known: get-authors, create-author, update-author, delete-author, admin)',
    );
    await expect(cli(['roles', 'erin', 'admin'])).rejects.toThrow('No user named "erin"');
    await expect(cli(['roles', 'dave'])).rejects.toThrow('"roles" needs the role list');

    const tokens = await server.login('dave', 'second');
    expect((await server.client(tokens.access_token).auth.me.query()).roles).toEqual(['get-authors', 'create-author']);
    expect(await cli(['roles', 'dave', 'admin'])).toBe('Roles of dave: admin');
    const refreshed = await server.client().auth.refresh.mutate({ refresh_token: tokens.refresh_token });
    expect((await server.client(refreshed.access_token).auth.me.query()).roles).toEqual(['admin']);
    expect(await cli(['delete', 'dave'])).toBe('Deleted user dave');
    await expect(server.client().auth.refresh.mutate({ refresh_token: refreshed.refresh_token })).rejects.toMatchObject({
      message: 'User no longer exists',
      data: { code: 'UNAUTHORIZED' },
    });
  });

  it('the user CLI exits 2 with the usage on a bad command line', async () => {
    await using database = await createTestDatabase();
    const result = await userCli(database.url, ['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/^Unknown command "frobnicate"\nUsage: npm run user -- <command>\n/);
  });

  it('development users: none in production, which refuses to start while they can log in', async () => {
    await using database = await createTestDatabase();
    const production = { NODE_ENV: 'production', DATABASE_URL: database.url };
    {
      await using _production = await startTestServer({ env: production });
    }
    expect(await usersTable(database.url)).toEqual([]);

    {
      await using _development = await startTestServer({ env: { DATABASE_URL: database.url } });
    }
    expect((await usersTable(database.url)).map((row) => [row.username, row.roles])).toEqual([
      ['admin', ['get-authors', 'create-author', 'update-author', 'delete-author', 'admin']],
      ['nobody', []],
      ['reader', ['get-authors']],
      ['writer', ['get-authors', 'create-author', 'update-author', 'delete-author']],
    ]);

    const refused = await runServerToExit(production);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(
      'Failed to start: Development users with their well-known passwords exist (admin, nobody, reader, writer); production refuses to start with them.',
    );
  }, 90_000); // three server start-ups, one of them a process
});
