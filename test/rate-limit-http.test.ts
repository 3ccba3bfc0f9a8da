// Rate limiting end to end over tRPC-HTTP, per client IP (users arrive with the identity work):
// headers, the 429, batches, what is not limited, two processes sharing one Redis, and the fail modes
// when Redis is cut by a proxy.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnServer } from './helpers/process';
import { startTestServer, type TestServer } from './helpers/server';
import { createTestDatabase, hasPostgres, hasRedis, REDIS_URL, uniqueRedisPrefix } from './helpers/services';
import { stateBackends } from './helpers/state';
import { startTcpProxy } from './helpers/tcp-proxy';

const driver = hasPostgres ? 'postgres' : 'pglite';
const LIST = `/trpc/authors.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`;

/** A GET of authors.list as if from `ip` (the servers trust 127.0.0.1 as a proxy). */
function list(url: string, ip: string, path = LIST): Promise<Response> {
  return fetch(url + path, { headers: { 'X-Forwarded-For': ip } });
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
      const statuses = [];
      const headers = [];
      for (let i = 0; i < 3; i++) {
        const response = await list(server.url, '192.0.2.1');
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

      const refused = await list(server.url, '192.0.2.1');
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual(TOO_MANY_REQUESTS_BODY);
      const refusedHeaders = rateLimitHeaders(refused);
      expect(refusedHeaders).toMatchObject({ limit: '3', remaining: '0' });
      expect(refusedHeaders.retryAfter).toBe(refusedHeaders.reset);
      expect(['59', '60']).toContain(refusedHeaders.retryAfter);

      // Another client address has its own window.
      expect(rateLimitHeaders(await list(server.url, '192.0.2.2'))).toMatchObject({ remaining: '2' });
    });

    it('counts each call of a batch once', async () => {
      const input = encodeURIComponent(JSON.stringify({ 0: { json: {} }, 1: { json: {} }, 2: { json: {} }, 3: { json: {} } }));
      const batch = await list(server.url, '192.0.2.3', `/trpc/authors.list,authors.list,authors.list,authors.list?batch=1&input=${input}`);
      expect(batch.status).toBe(207);
      const results = (await batch.json()) as { result?: unknown; error?: { json: { data: { code: string } } } }[];
      expect(results.map((result) => result.error?.json.data.code ?? 'OK').sort()).toEqual([
        'OK',
        'OK',
        'OK',
        'TOO_MANY_REQUESTS',
      ]);
      expect((await list(server.url, '192.0.2.3')).status).toBe(429);
    });

    it('refuses the typed client (streamed batches) with TOO_MANY_REQUESTS once over the limit', async () => {
      // The only caller from 127.0.0.1 itself in this suite; a streamed response sends its head before
      // the calls finish, so the headers are dropped there and the error travels in the stream.
      const client = server.client();
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
    for (let i = 0; i < 3; i++) {
      const response = await list(server.url, '127.0.0.1');
      expect(response.status).toBe(200);
      expect(response.headers.get('X-RateLimit-Limit')).toBeNull();
    }
  });
});

describe.skipIf(!hasRedis)('rate limiting across processes and outages', () => {
  it("shares a client's window between two server processes on one Redis", async () => {
    // Keyed per IP: both processes see the client as 127.0.0.1 (per-user keys need the identity work).
    const env = { REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix(), RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_PER_MINUTE: '4' };
    // A database each (PGlite start-up is slow; two processes migrating one database would race).
    await using dbA = hasPostgres ? await createTestDatabase() : undefined;
    await using dbB = hasPostgres ? await createTestDatabase() : undefined;
    const [a, b] = await Promise.all([
      spawnServer({ ...env, ...(dbA ? { DATABASE_URL: dbA.url } : {}) }),
      spawnServer({ ...env, ...(dbB ? { DATABASE_URL: dbB.url } : {}) }),
    ]);
    await using _a = a;
    await using _b = b;
    const remaining = async (url: string) => {
      const response = await fetch(url + LIST);
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
    expect((await list(open.url, '127.0.0.1')).headers.get('X-RateLimit-Remaining')).toBe('59');

    proxy.cut();
    const served = await list(open.url, '127.0.0.1');
    expect(served.status).toBe(200);
    expect(served.headers.get('X-RateLimit-Limit')).toBeNull();
    const refused = await list(closed.url, '127.0.0.1');
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
          const response = await list(server.url, '127.0.0.1');
          expect(response.status).toBe(200);
          expect(response.headers.get('X-RateLimit-Limit')).toBe('60');
        },
        { timeout: 10_000, interval: 100 },
      );
    }
  });
});
