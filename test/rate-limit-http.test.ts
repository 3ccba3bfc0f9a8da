// Rate limiting end to end over tRPC-HTTP, per user (signed in) or per client IP (anonymous):
// headers, the 429, batches, what is not limited, two processes sharing one Redis, and the fail modes
// when Redis is cut by a proxy.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accessTokenFor, spawnServer } from './helpers/process';
import { startTestServer, type TestServer } from './helpers/server';
import { createTestDatabase, hasPostgres, hasRedis, REDIS_URL, uniqueRedisPrefix } from './helpers/services';
import { stateBackends } from './helpers/state';
import { startTcpProxy } from './helpers/tcp-proxy';

const driver = hasPostgres ? 'postgres' : 'pglite';
const LIST = `/trpc/authors.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`;

/** A GET of authors.list as if from `ip` (the servers trust 127.0.0.1 as a proxy), signed in with `token`. */
function list(url: string, ip: string, options: { path?: string; token?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'X-Forwarded-For': ip };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  return fetch(url + (options.path ?? LIST), { headers });
}

function rateLimitHeaders(response: Response): Record<string, string | null> {
  return {
    limit: response.headers.get('X-RateLimit-Limit'),
    remaining: response.headers.get('X-RateLimit-Remaining'),
    reset: response.headers.get('X-RateLimit-Reset'),
    retryAfter: response.headers.get('Retry-After'),
  };
}

const TOO_MANY_REQUESTS_BODY = {
  error: {
    json: {
      message: 'Rate limit exceeded',
      code: -32029,
      data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429, path: 'authors.list', issues: null },
    },
  },
};

describe.each(stateBackends)('rate limiting over tRPC-HTTP on $name', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    if (backend.unavailable) return;
    server = await startTestServer({
      driver,
      env: {
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_PER_MINUTE: '3',
        TRUSTED_PROXIES: '127.0.0.1',
        ...(backend.name === 'redis' ? { REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix() } : {}),
      },
    });
  });
  afterAll(async () => server?.[Symbol.asyncDispose]());

  describe.skipIf(backend.unavailable)('', () => {
    it('counts down in X-RateLimit-* headers, then answers 429 with Retry-After', async () => {
      const token = await server.tokenFor('reader');
      const statuses = [];
      const headers = [];
      for (let i = 0; i < 3; i++) {
        const response = await list(server.url, '192.0.2.1', { token });
        statuses.push(response.status);
        headers.push(rateLimitHeaders(response));
      }
      expect(statuses).toEqual([200, 200, 200]);
      expect(headers.map(({ limit, remaining }) => [limit, remaining])).toEqual([
        ['3', '2'],
        ['3', '1'],
        ['3', '0'],
      ]);
      expect(headers[0]).toMatchObject({ reset: '60', retryAfter: null });

      const refused = await list(server.url, '192.0.2.1', { token });
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual(TOO_MANY_REQUESTS_BODY);
      const refusedHeaders = rateLimitHeaders(refused);
      expect(refusedHeaders).toMatchObject({ limit: '3', remaining: '0' });
      expect(refusedHeaders.retryAfter).toBe(refusedHeaders.reset);
      expect(['59', '60']).toContain(refusedHeaders.retryAfter);

      // The window is the user's, wherever they call from; an anonymous caller's is its address's.
      expect((await list(server.url, '192.0.2.9', { token })).status).toBe(429);
      const anonymous = await list(server.url, '192.0.2.1');
      expect(anonymous.status).toBe(401);
      expect(rateLimitHeaders(anonymous)).toMatchObject({ remaining: '2' });
    });

    it('counts each call of a batch once', async () => {
      const input = encodeURIComponent(JSON.stringify({ 0: { json: {} }, 1: { json: {} }, 2: { json: {} }, 3: { json: {} } }));
      const token = await server.tokenFor('writer');
      const path = `/trpc/authors.list,authors.list,authors.list,authors.list?batch=1&input=${input}`;
      const batch = await list(server.url, '192.0.2.3', { path, token });
      expect(batch.status).toBe(207);
      const results = (await batch.json()) as { result?: unknown; error?: { json: { data: { code: string } } } }[];
      expect(results.map((result) => result.error?.json.data.code ?? 'OK').sort()).toEqual([
        'OK',
        'OK',
        'OK',
        'TOO_MANY_REQUESTS',
      ]);
      expect((await list(server.url, '192.0.2.3', { token })).status).toBe(429);
    });

    it('refuses the typed client (batches) with TOO_MANY_REQUESTS once over the limit', async () => {
      // The four calls go as one batch: the fourth alone is refused.
      const client = server.client(await server.tokenFor('admin'));
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => client.authors.list.query({})));
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
      const [refused] = results.filter((result) => result.status === 'rejected');
      expect(refused?.reason).toMatchObject({ message: 'Rate limit exceeded', data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 } });
    });

    it('does not limit /health and does not count it', async () => {
      for (let i = 0; i < 5; i++) {
        const health = await fetch(`${server.url}/health`, { headers: { 'X-Forwarded-For': '192.0.2.4' } });
        expect(health.status).toBe(200);
        expect(health.headers.get('X-RateLimit-Limit')).toBeNull();
      }
      expect(rateLimitHeaders(await list(server.url, '192.0.2.4'))).toMatchObject({ remaining: '2' });
    });
  });
});

describe('rate limiting switched off', () => {
  it('serves without limits or headers when RATE_LIMIT_ENABLED=false (the test default)', async () => {
    await using server = await startTestServer({ driver, env: { RATE_LIMIT_PER_MINUTE: '1' } });
    const token = await server.tokenFor('reader');
    for (let i = 0; i < 3; i++) {
      const response = await list(server.url, '127.0.0.1', { token });
      expect(response.status).toBe(200);
      expect(response.headers.get('X-RateLimit-Limit')).toBeNull();
    }
  });
});

describe.skipIf(!hasRedis)('rate limiting across processes and outages', () => {
  it.skipIf(!hasPostgres)("shares a user's window between two server processes on one Redis", async () => {
    // One database (one signing key) and one public URL (one issuer): a token works on both.
    await using database = await createTestDatabase();
    const env = {
      DATABASE_URL: database.url,
      PUBLIC_URL: 'http://authors.test',
      REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix(),
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_PER_MINUTE: '4',
    };
    const [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
    await using _a = a;
    await using _b = b;
    const token = await accessTokenFor(a.url, 'reader');
    const remaining = async (url: string) => {
      const response = await fetch(url + LIST, { headers: { Authorization: `Bearer ${token}` } });
      return [response.status, response.headers.get('X-RateLimit-Remaining')];
    };
    expect(await remaining(a.url)).toEqual([200, '3']);
    expect(await remaining(b.url)).toEqual([200, '2']);
    expect(await remaining(a.url)).toEqual([200, '1']);
    expect(await remaining(b.url)).toEqual([200, '0']);
    expect(await remaining(a.url)).toEqual([429, '0']);
    expect(await remaining(b.url)).toEqual([429, '0']);
  });

  it('fails open or closed while Redis is cut, and recovers without a restart when it returns', async () => {
    await using proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port) });
    const env = { REDIS_URL: proxy.url(REDIS_URL), REDIS_KEY_PREFIX: uniqueRedisPrefix(), RATE_LIMIT_ENABLED: 'true' };
    await using open = await startTestServer({ driver, env: { ...env, RATE_LIMIT_FAIL_MODE: 'open' } });
    await using closed = await startTestServer({ driver, env: { ...env, RATE_LIMIT_FAIL_MODE: 'closed' } });
    const tokens = new Map([
      [open, await open.tokenFor('reader')],
      [closed, await closed.tokenFor('reader')],
    ]);
    expect((await list(open.url, '127.0.0.1', { token: tokens.get(open) })).headers.get('X-RateLimit-Remaining')).toBe('59');

    proxy.cut();
    const served = await list(open.url, '127.0.0.1', { token: tokens.get(open) });
    expect(served.status).toBe(200);
    expect(served.headers.get('X-RateLimit-Limit')).toBeNull();
    const refused = await list(closed.url, '127.0.0.1', { token: tokens.get(closed) });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({
      error: {
        json: {
          message: 'Rate limiting is unavailable, please try again later',
          code: -32603,
          data: { code: 'SERVICE_UNAVAILABLE', httpStatus: 503, path: 'authors.list', issues: null },
        },
      },
    });

    proxy.restore();
    for (const server of [open, closed]) {
      await vi.waitFor(
        async () => {
          const response = await list(server.url, '127.0.0.1', { token: tokens.get(server) });
          expect(response.status).toBe(200);
          expect(response.headers.get('X-RateLimit-Limit')).toBe('60');
        },
        { timeout: 10_000, interval: 100 },
      );
    }
  });
});

describe('login brute-force limit', () => {
  it('refuses a username after LOGIN_RATE_LIMIT attempts from one address, even with the right password', async () => {
    await using server = await startTestServer({
      driver,
      env: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_PER_MINUTE: '100', LOGIN_RATE_LIMIT: '3' },
    });
    const login = async (username: string, password: string) =>
      (
        await fetch(`${server.url}/login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username, password }),
        })
      ).status;
    expect([await login('writer', 'wrong'), await login('writer', 'wrong'), await login('writer', 'wrong')]).toEqual([401, 401, 401]);
    expect(await login('writer', 'writer')).toBe(429);
    expect(await login('reader', 'reader')).toBe(200);
  });
});
