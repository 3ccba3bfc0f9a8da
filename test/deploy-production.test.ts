// The production start: `npm run build` bundles the server, `node server/dist/main.js` runs it with
// NODE_ENV=production defaults (docs/deployment.md): JSON logs, no development users, rate limiting on,
// RATE_LIMIT_FAIL_MODE open unless configured. The bundled user CLI is how production gets its users.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnServer } from './helpers/process';
import { serverBundleDir } from './helpers/server-bundle';
import { createTestDatabase, hasPostgres, hasRedis, REDIS_URL, uniqueRedisPrefix } from './helpers/services';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

async function trpcLogin(url: string, username: string, password: string): Promise<Response> {
  return fetch(`${url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ json: { username, password } }),
  });
}

describe.skipIf(!hasPostgres || !hasRedis)('production build', () => {
  // The server bundle is the one the global setup built for this run with `npm run build -w
  // @authors/server` (into a directory of the run's own rather than server/dist).
  beforeAll(async () => {
    // `npm run build` ends with the web app's build; the script below runs it only when it is stale.
    await run(process.execPath, ['client/examples/web/build-if-stale.mjs'], { cwd: ROOT });
  }, 90_000);

  it('starts healthy on PostgreSQL and Redis with JSON logs, no development users and rate limits on', async () => {
    await using database = await createTestDatabase();
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix(),
      RATE_LIMIT_ENABLED: '', // unset: the production default applies
    };
    await using server = await spawnServer(env, { entry: 'built' });

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'healthy',
      database: 'healthy',
      redis: 'healthy',
      websocket: { status: 'healthy', active_connections: 0 },
    });

    // No development user exists: admin/admin is refused like any wrong password, and is rate-limited.
    const refused = await trpcLogin(server.url, 'admin', 'admin');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('X-RateLimit-Limit')).toBe('10'); // the login bucket (LOGIN_RATE_LIMIT) is the tighter one
    expect(await refused.json()).toMatchObject({
      error: { json: { message: 'Invalid user credentials', data: { code: 'UNAUTHORIZED' } } },
    });
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      expect(await sql`SELECT username FROM users`).toEqual([]);
    } finally {
      await sql.end();
    }

    // Users come from the bundled CLI, which needs no tsx (a dev dependency) either.
    await run(process.execPath, [join(serverBundleDir(), 'user.js'), 'add', 'alice', '--password', 's3cret-pw', '--roles', 'get-authors'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: database.url },
    });
    const login = await trpcLogin(server.url, 'alice', 's3cret-pw');
    expect(login.status).toBe(200);
    const { access_token } = ((await login.json()) as { result: { data: { json: { access_token: string } } } }).result
      .data.json;
    const list = await fetch(`${server.url}/authors`, { headers: { Authorization: `Bearer ${access_token}` } });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual([]);

    // The web app is found by walking up from the bundle, as in the container image.
    const app = await fetch(`${server.url}/app/`);
    expect(app.status).toBe(200);
    expect(await app.text()).toBe(readFileSync(`${ROOT}client/examples/web/dist/index.html`, 'utf8'));

    // The /asyncapi renderer (a development dependency) is served from the copy next to the bundle.
    const renderer = await fetch(`${server.url}/asyncapi/asyncapi.js`);
    expect(renderer.status).toBe(200);
    expect(Buffer.from(await renderer.arrayBuffer()).equals(readFileSync(join(serverBundleDir(), 'asyncapi-ui/browser/standalone/index.js')))).toBe(true);

    expect(await server.stop('SIGTERM')).toBe(0);
    // Every line is one JSON object (pino), none of them pretty-printed, and no secret reached them.
    const lines = server.output().trim().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ service: 'authors-rpc', level: expect.any(Number) });
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(
      expect.arrayContaining(['server listening', 'login', 'shutting down', 'shutdown complete']),
    );
    expect(server.output()).not.toContain('s3cret-pw');
    expect(server.output()).not.toContain(access_token);
  }, 60_000);
});
