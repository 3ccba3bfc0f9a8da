// HTTP hygiene on every route, /trpc and /health included: correlation id, security headers,
// body limits (declared and chunked), CORS only for configured origins. Requests carry the `writer`
// token unless a row says otherwise, so refusals (401, 403) are covered as well as successes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendChunked } from './helpers/http';
import { startTestServer, type TestServer } from './helpers/server';

const LIMIT = 1024;
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'permissions-policy': 'geolocation=(), microphone=(), camera=()',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
};

/** One request per kind of route, including errors and 405s, as `writer` or without a token. */
const ROUTES: [method: string, path: string, status: number, as: 'writer' | 'anonymous'][] = [
  ['GET', '/health', 200, 'writer'],
  ['GET', '/metrics', 200, 'writer'],
  ['GET', '/trpc/authors.list', 200, 'writer'],
  ['GET', '/trpc/authors.list', 401, 'anonymous'],
  ['GET', '/trpc/nope', 404, 'writer'],
  ['GET', '/authors', 200, 'writer'],
  ['GET', '/authors', 401, 'anonymous'],
  ['GET', '/audit-logs', 403, 'writer'],
  ['GET', '/authors/abc', 422, 'writer'],
  ['PATCH', '/authors', 405, 'writer'],
  ['GET', '/openapi.json', 200, 'writer'],
  ['GET', '/docs', 200, 'writer'],
  ['GET', '/docs/swagger-ui.css', 200, 'writer'],
  ['GET', '/docs/package.json', 404, 'writer'],
  ['POST', '/docs', 405, 'writer'],
  ['GET', '/missing', 404, 'writer'],
];

describe('HTTP hygiene', () => {
  let server: TestServer;
  let auth: { Authorization: string };
  beforeAll(async () => {
    server = await startTestServer({
      driver: 'pglite',
      env: { MAX_REQUEST_BODY_SIZE: String(LIMIT), CORS_ORIGINS: 'https://app.example, https://admin.example' },
    });
    auth = { Authorization: `Bearer ${(await server.login('writer')).access_token}` };
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it.each(ROUTES)('%s %s answers %i as %s with the security headers, a correlation id and no X-Powered-By', async (method, path, status, as) => {
    const response = await fetch(`${server.url}${path}`, { method, headers: as === 'writer' ? auth : {} });
    await response.arrayBuffer();
    expect(response.status).toBe(status);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(response.headers.get(name), name).toBe(value);
    expect(response.headers.get('x-correlation-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('echoes a well-formed X-Correlation-ID and replaces a malformed one', async () => {
    const echoed = await fetch(`${server.url}/authors`, { headers: { ...auth, 'X-Correlation-ID': 'req-42.retry_1' } });
    expect(echoed.headers.get('x-correlation-id')).toBe('req-42.retry_1');
    for (const bad of ['has space', 'x'.repeat(65), 'semi;colon']) {
      const replaced = await fetch(`${server.url}/trpc/authors.list`, { headers: { ...auth, 'X-Correlation-ID': bad } });
      expect(replaced.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  describe('body limit', () => {
    const oversize = JSON.stringify({ name: 'x'.repeat(LIMIT) });

    it.each(['/authors', '/trpc/authors.create'])('POST %s with a Content-Length over the limit is 413 before reading', async (path) => {
      const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: oversize });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ detail: 'Request body too large' });
      expect(response.headers.get('connection')).toBe('close');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('a chunked REST body that grows past the limit is 413', async () => {
      const chunk = Buffer.from('x'.repeat(400));
      const response = await sendChunked(`${server.url}/authors`, {
        method: 'POST',
        chunks: [Buffer.from('{"name":"'), chunk, chunk, chunk, Buffer.from('"}')],
      });
      expect(response.status).toBe(413);
      expect(JSON.parse(response.body)).toEqual({ detail: 'Request body too large' });
    });

    it('a chunked /trpc body past the limit is 413 too', async () => {
      const chunk = Buffer.from('x'.repeat(400));
      const response = await sendChunked(`${server.url}/trpc/authors.create`, {
        method: 'POST',
        headers: auth,
        chunks: [Buffer.from('{"json":{"name":"'), chunk, chunk, chunk, Buffer.from('"}}')],
      });
      expect(response.status).toBe(413);
      expect(JSON.parse(response.body)).toMatchObject({ error: { json: { data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 } } } });
    });

    it('a chunked body within the limit is accepted', async () => {
      const response = await sendChunked(`${server.url}/authors`, {
        method: 'POST',
        headers: auth,
        chunks: [Buffer.from('{"name":'), Buffer.from('"Chunked Author"}')],
      });
      expect(response.status).toBe(201);
      expect(JSON.parse(response.body)).toMatchObject({ name: 'Chunked Author' });
    });
  });

  describe('CORS', () => {
    it('answers a preflight from an allowed origin', async () => {
      const response = await fetch(`${server.url}/authors`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST,PUT,DELETE');
      expect(response.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type,X-Correlation-ID,trpc-accept');
      expect(response.headers.get('access-control-max-age')).toBe('600');
      expect(response.headers.get('vary')).toContain('Origin');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    });

    it('marks simple responses to an allowed origin readable, exposing the correlation and rate-limit headers', async () => {
      const response = await fetch(`${server.url}/trpc/authors.list`, { headers: { ...auth, Origin: 'https://admin.example' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('https://admin.example');
      expect(response.headers.get('access-control-expose-headers')).toBe(
        'X-Correlation-ID,X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset,Retry-After,WWW-Authenticate',
      );
    });

    it('gives an unlisted origin no CORS headers', async () => {
      for (const method of ['GET', 'OPTIONS']) {
        const response = await fetch(`${server.url}/authors`, {
          method,
          headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'DELETE' },
        });
        expect(response.headers.get('access-control-allow-origin')).toBeNull();
      }
    });
  });
});

describe('HTTP hygiene without CORS_ORIGINS', () => {
  it('sends no CORS headers and treats OPTIONS like any other method', async () => {
    await using server = await startTestServer({ driver: 'pglite' });
    const response = await fetch(`${server.url}/authors`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST, HEAD');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
