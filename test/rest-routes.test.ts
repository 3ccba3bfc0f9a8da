// Every REST route with exact status, headers and body, as a table. Each row names its caller: a
// development user (admin, writer, reader, nobody), nobody at all, or a token that must be refused.
// A second table says which role each route needs (DESIGN §4) and generates, for every guarded
// route, the 401 an anonymous caller gets and the 403 of a user without the role.
import type { Role } from '@authors/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restRoutes } from '../server/src/transports/rest/routes';
import { startTestServer, type TestServer } from './helpers/server';
import { tamper } from './helpers/tokens';

type DevUser = 'admin' | 'writer' | 'reader' | 'nobody';
/** `forged`: reader's token claiming the admin role (signature no longer matches); `garbage`: not a JWT. */
type Caller = DevUser | 'anonymous' | 'forged' | 'garbage';
const DEV_USERS: DevUser[] = ['admin', 'writer', 'reader', 'nobody'];

interface Row {
  name: string;
  as: Caller;
  method: string;
  path: string;
  /** A string or Blob is sent verbatim; anything else as JSON. */
  body?: unknown;
  status: number;
  /** Exact body; undefined means an empty body. */
  expected?: unknown;
  headers?: Record<string, string | null>;
}

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const JWT = expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
const author = (id: number, name: string) => ({ id, name, created_at: ISO, updated_at: ISO });
const invalid = (...issues: object[]) => ({ detail: 'Invalid data', issues: issues.map((issue) => expect.objectContaining(issue)) });
const tokenSet = { access_token: JWT, refresh_token: expect.any(String), expires_in: 300, refresh_expires_in: 1800, token_type: 'Bearer' };
const BEARER = { 'www-authenticate': 'Bearer' };

// Seeded in this order (ids 1..5) before the table runs.
const SEED = ['Ada Lovelace', 'Alan Turing', '100% Pure_Name', 'To Rename', 'To Delete'];

const rows: Row[] = [
  { name: 'logs in with the token set', as: 'anonymous', method: 'POST', path: '/login', body: { username: 'writer', password: 'writer' }, status: 200,
    expected: tokenSet },
  { name: 'a wrong password is 401', as: 'anonymous', method: 'POST', path: '/login', body: { username: 'writer', password: 'reader' }, status: 401,
    expected: { detail: 'Invalid user credentials' }, headers: BEARER },
  { name: 'an unknown user is 401, worded the same', as: 'anonymous', method: 'POST', path: '/login', body: { username: 'ghost', password: 'ghost' }, status: 401,
    expected: { detail: 'Invalid user credentials' } },
  { name: 'a login without password is 422', as: 'anonymous', method: 'POST', path: '/login', body: { username: 'writer' }, status: 422,
    expected: invalid({ path: ['password'], code: 'invalid_type' }) },
  { name: 'a login with malformed JSON is 400', as: 'anonymous', method: 'POST', path: '/login', body: '{"username":', status: 400,
    expected: { detail: 'Malformed JSON body' } },
  { name: 'an unknown refresh token is 401', as: 'anonymous', method: 'POST', path: '/refresh', body: { refresh_token: 'not-a-token' }, status: 401,
    expected: { detail: 'Invalid refresh token' }, headers: BEARER },
  { name: 'a refresh without token is 422', as: 'anonymous', method: 'POST', path: '/refresh', body: {}, status: 422,
    expected: invalid({ path: ['refresh_token'], code: 'invalid_type' }) },
  { name: 'logging out an unknown refresh token is still 204', as: 'anonymous', method: 'POST', path: '/logout', body: { refresh_token: 'not-a-token' }, status: 204 },
  { name: 'a logout without token is 422', as: 'anonymous', method: 'POST', path: '/logout', body: { refresh_token: '' }, status: 422,
    expected: invalid({ path: ['refresh_token'], code: 'too_small' }) },
  { name: 'says who the reader is', as: 'reader', method: 'GET', path: '/me', status: 200,
    expected: { sub: expect.any(String), username: 'reader', roles: ['get-authors'] } },
  { name: 'a user without roles is still someone', as: 'nobody', method: 'GET', path: '/me', status: 200,
    expected: { sub: expect.any(String), username: 'nobody', roles: [] } },
  { name: 'a token with a forged payload is 401', as: 'forged', method: 'GET', path: '/me', status: 401,
    expected: { detail: 'Invalid token: bad signature' }, headers: BEARER },
  { name: 'a token that is not a JWT is 401', as: 'garbage', method: 'GET', path: '/authors', status: 401,
    expected: { detail: 'Invalid token: malformed' }, headers: BEARER },

  { name: 'lists all authors in id order', as: 'reader', method: 'GET', path: '/authors', status: 200,
    expected: SEED.map((name, index) => author(index + 1, name)) },
  { name: 'filters by case-insensitive name substring', as: 'reader', method: 'GET', path: '/authors?name=LOVE', status: 200,
    expected: [author(1, 'Ada Lovelace')] },
  { name: 'accepts search= as an alias of name', as: 'reader', method: 'GET', path: '/authors?search=turing', status: 200,
    expected: [author(2, 'Alan Turing')] },
  { name: 'matches % and _ literally', as: 'reader', method: 'GET', path: '/authors?name=0%25%20Pure_', status: 200,
    expected: [author(3, '100% Pure_Name')] },
  { name: 'combines id and name with AND', as: 'reader', method: 'GET', path: '/authors?id=2&name=ada', status: 200, expected: [] },
  { name: 'rejects a non-numeric id filter', as: 'reader', method: 'GET', path: '/authors?id=abc', status: 422,
    expected: invalid({ path: ['id'], code: 'invalid_type' }) },
  { name: 'rejects a repeated filter', as: 'reader', method: 'GET', path: '/authors?name=a&name=b', status: 422,
    expected: invalid({ path: ['name'], code: 'invalid_type' }) },
  { name: 'paginates by page', as: 'reader', method: 'GET', path: '/authors/paginated?page=2&per_page=2', status: 200,
    expected: { items: [author(3, SEED[2]!), author(4, SEED[3]!)], meta: { page: 2, per_page: 2, total: 5, pages: 3, next_cursor: null, has_more: true } } },
  { name: 'paginates with name and id filters', as: 'reader', method: 'GET', path: '/authors/paginated?name=al&id=2', status: 200,
    expected: { items: [author(2, 'Alan Turing')], meta: { page: 1, per_page: 20, total: 1, pages: 1, next_cursor: null, has_more: false } } },
  { name: 'paginates by keyset cursor (empty cursor = from the start)', as: 'reader', method: 'GET', path: '/authors/paginated?per_page=4&cursor=', status: 200,
    expected: { items: SEED.slice(0, 4).map((name, index) => author(index + 1, name)), meta: { page: 1, per_page: 4, total: 0, pages: 0, next_cursor: 'aWQ6NA', has_more: true } } },
  { name: 'continues from a cursor', as: 'reader', method: 'GET', path: '/authors/paginated?per_page=4&cursor=aWQ6NA', status: 200,
    expected: { items: [author(5, 'To Delete')], meta: { page: 1, per_page: 4, total: 0, pages: 0, next_cursor: null, has_more: false } } },
  { name: 'rejects a forged cursor', as: 'reader', method: 'GET', path: '/authors/paginated?cursor=bm9wZQ', status: 422,
    expected: { detail: 'Invalid cursor', issues: [] } },
  { name: 'rejects page 0', as: 'reader', method: 'GET', path: '/authors/paginated?page=0', status: 422,
    expected: invalid({ path: ['page'], code: 'too_small' }) },
  { name: 'rejects a non-numeric per_page', as: 'reader', method: 'GET', path: '/authors/paginated?per_page=lots', status: 422,
    expected: invalid({ path: ['per_page'], code: 'invalid_type' }) },
  { name: 'PUT on /authors/paginated is 405, not an id', as: 'anonymous', method: 'PUT', path: '/authors/paginated', status: 405,
    expected: { detail: 'Method Not Allowed' }, headers: { allow: 'GET, HEAD' } },
  { name: 'reads one author', as: 'reader', method: 'GET', path: '/authors/2', status: 200, expected: author(2, 'Alan Turing') },
  { name: 'HEAD is served by the GET route, without a body', as: 'reader', method: 'HEAD', path: '/authors/2', status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' } },
  { name: 'a missing author is 404', as: 'reader', method: 'GET', path: '/authors/999', status: 404, expected: { detail: 'Author 999 not found' } },
  { name: 'a non-numeric id is 422', as: 'reader', method: 'GET', path: '/authors/abc', status: 422,
    expected: invalid({ path: ['id'], code: 'invalid_type' }) },
  { name: 'an out-of-range id is 422', as: 'reader', method: 'GET', path: '/authors/2147483648', status: 422,
    expected: invalid({ path: ['id'], code: 'too_big' }) },
  { name: 'a zero id is 422', as: 'reader', method: 'GET', path: '/authors/0', status: 422,
    expected: invalid({ path: ['id'], code: 'too_small' }) },
  { name: 'bad percent-encoding in the id is 422', as: 'reader', method: 'GET', path: '/authors/%zz', status: 422,
    expected: invalid({ path: ['id'] }) },
  { name: 'creates an author (trimmed) with 201', as: 'writer', method: 'POST', path: '/authors', body: { name: '  Grace Hopper ' }, status: 201,
    expected: author(6, 'Grace Hopper') },
  { name: 'a duplicate name is 409', as: 'writer', method: 'POST', path: '/authors', body: { name: 'Grace Hopper' }, status: 409,
    expected: { detail: 'An author named "Grace Hopper" already exists' } },
  { name: 'a blank name is 422', as: 'writer', method: 'POST', path: '/authors', body: { name: '   ' }, status: 422,
    expected: invalid({ path: ['name'], code: 'too_small' }) },
  { name: 'a 256-character name is 422', as: 'writer', method: 'POST', path: '/authors', body: { name: 'x'.repeat(256) }, status: 422,
    expected: invalid({ path: ['name'], code: 'too_big' }) },
  { name: 'a missing body is 422', as: 'writer', method: 'POST', path: '/authors', status: 422,
    expected: invalid({ path: ['name'], code: 'invalid_type' }) },
  { name: 'a JSON array body is 422', as: 'writer', method: 'POST', path: '/authors', body: [{ name: 'x' }], status: 422,
    expected: invalid({ path: [], code: 'invalid_type' }) },
  { name: 'malformed JSON is 400', as: 'writer', method: 'POST', path: '/authors', body: '{"name":', status: 400,
    expected: { detail: 'Malformed JSON body' } },
  { name: 'invalid UTF-8 is 400', as: 'writer', method: 'POST', path: '/authors', body: new Blob([new Uint8Array([0x7b, 0xff, 0x7d])]), status: 400,
    expected: { detail: 'Malformed JSON body' } },
  { name: 'renames an author with 200', as: 'writer', method: 'PUT', path: '/authors/4', body: { name: 'Renamed' }, status: 200,
    expected: author(4, 'Renamed') },
  { name: 'the path id wins over an id in the body', as: 'writer', method: 'PUT', path: '/authors/4', body: { id: 1, name: 'Renamed Again' }, status: 200,
    expected: author(4, 'Renamed Again') },
  { name: 'renaming to a taken name is 409', as: 'writer', method: 'PUT', path: '/authors/4', body: { name: 'Ada Lovelace' }, status: 409,
    expected: { detail: 'An author named "Ada Lovelace" already exists' } },
  { name: 'renaming a missing author is 404', as: 'writer', method: 'PUT', path: '/authors/999', body: { name: 'Nobody' }, status: 404,
    expected: { detail: 'Author 999 not found' } },
  { name: 'renaming with a non-numeric id is 422', as: 'writer', method: 'PUT', path: '/authors/x', body: { name: 'Nobody' }, status: 422,
    expected: invalid({ path: ['id'] }) },
  { name: 'deletes an author with 204 and no body', as: 'writer', method: 'DELETE', path: '/authors/5', status: 204,
    headers: { 'content-type': null, 'content-length': null } },
  { name: 'deleting it again is 404', as: 'writer', method: 'DELETE', path: '/authors/5', status: 404, expected: { detail: 'Author 5 not found' } },
  { name: 'deleting with an out-of-range id is 422', as: 'writer', method: 'DELETE', path: '/authors/99999999999', status: 422,
    expected: invalid({ path: ['id'], code: 'too_big' }) },
  { name: 'PATCH on an author is 405 with Allow', as: 'anonymous', method: 'PATCH', path: '/authors/1', status: 405,
    expected: { detail: 'Method Not Allowed' }, headers: { allow: 'GET, PUT, DELETE, HEAD' } },
  { name: 'DELETE on the collection is 405 with Allow', as: 'anonymous', method: 'DELETE', path: '/authors', status: 405,
    expected: { detail: 'Method Not Allowed' }, headers: { allow: 'GET, POST, HEAD' } },
  { name: 'GET /login is 405', as: 'anonymous', method: 'GET', path: '/login', status: 405,
    expected: { detail: 'Method Not Allowed' }, headers: { allow: 'POST' } },

  { name: 'broadcasts with 202', as: 'admin', method: 'POST', path: '/broadcast', body: { message: 'Maintenance at noon' }, status: 202,
    expected: { delivered: true } },
  { name: 'an empty broadcast is 422', as: 'admin', method: 'POST', path: '/broadcast', body: { message: '' }, status: 422,
    expected: invalid({ path: ['message'], code: 'too_small' }) },
  { name: 'a missing audit log entry is 404', as: 'admin', method: 'GET', path: '/audit-logs/999999', status: 404,
    expected: { detail: 'Audit log 999999 not found' } },
  { name: 'a non-numeric audit log id is 422', as: 'admin', method: 'GET', path: '/audit-logs/abc', status: 422,
    expected: invalid({ path: ['id'], code: 'invalid_type' }) },
  { name: 'an unknown outcome filter is 422', as: 'admin', method: 'GET', path: '/audit-logs?outcome=maybe', status: 422,
    expected: invalid({ path: ['outcome'], code: 'invalid_value' }) },
  { name: 'a date filter that is no date is 422', as: 'admin', method: 'GET', path: '/audit-logs?start_date=yesterday', status: 422,
    expected: invalid({ path: ['start_date'], code: 'invalid_type' }) },
  { name: 'a date range that ends before it starts is 422', as: 'admin', method: 'GET',
    path: '/audit-logs?start_date=2025-02-01T00:00:00Z&end_date=2025-01-01T00:00:00Z', status: 422,
    expected: { detail: 'start_date must not be after end_date', issues: [] } },
  { name: 'an audit page past the end is empty', as: 'admin', method: 'GET', path: '/audit-logs?username=nobody-at-all&page=3&per_page=500', status: 200,
    expected: { items: [], meta: { page: 3, per_page: 100, total: 0, pages: 0, has_more: false } } },

  { name: 'an unknown route is 404', as: 'anonymous', method: 'GET', path: '/authorz', status: 404, expected: { detail: 'Not Found' } },
  { name: 'a trailing slash is not a route', as: 'anonymous', method: 'GET', path: '/authors/', status: 404, expected: { detail: 'Not Found' } },
  { name: 'a deeper path is not a route', as: 'anonymous', method: 'GET', path: '/authors/1/books', status: 404, expected: { detail: 'Not Found' } },
];

/** DESIGN §4: the role each guarded route needs (null: any signed-in user) and a development user without it. */
const GUARDED: { route: string; path: string; role: Role | null; lacking?: DevUser }[] = [
  { route: 'GET /me', path: '/me', role: null },
  { route: 'GET /authors', path: '/authors', role: 'get-authors', lacking: 'nobody' },
  { route: 'GET /authors/paginated', path: '/authors/paginated', role: 'get-authors', lacking: 'nobody' },
  { route: 'GET /authors/{id}', path: '/authors/1', role: 'get-authors', lacking: 'nobody' },
  { route: 'POST /authors', path: '/authors', role: 'create-author', lacking: 'reader' },
  { route: 'PUT /authors/{id}', path: '/authors/1', role: 'update-author', lacking: 'reader' },
  { route: 'DELETE /authors/{id}', path: '/authors/1', role: 'delete-author', lacking: 'reader' },
  { route: 'GET /audit-logs', path: '/audit-logs', role: 'admin', lacking: 'writer' },
  { route: 'GET /audit-logs/{id}', path: '/audit-logs/1', role: 'admin', lacking: 'writer' },
  { route: 'POST /broadcast', path: '/broadcast', role: 'admin', lacking: 'writer' },
];
const PUBLIC = ['POST /login', 'POST /refresh', 'POST /logout'];

const guardRows: Row[] = GUARDED.flatMap(({ route, path, role, lacking }) => {
  const method = route.split(' ')[0]!;
  const refused: Row[] = [
    { name: 'without a token is 401', as: 'anonymous', method, path, status: 401, expected: { detail: 'Authentication required' }, headers: BEARER },
  ];
  if (role && lacking) {
    refused.push({ name: `without ${role} is 403`, as: lacking, method, path, status: 403, expected: { detail: `Missing required role: ${role}` } });
  }
  return refused;
});

describe('REST routes', () => {
  let server: TestServer;
  const tokens = new Map<Caller, string>();

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite' });
    for (const user of DEV_USERS) tokens.set(user, (await server.login(user)).access_token);
    tokens.set('forged', tamper(tokens.get('reader')!, (claims) => ({ ...claims, realm_access: { roles: ['admin'] } })));
    tokens.set('garbage', 'not-a-jwt');
    const writer = server.client(tokens.get('writer'));
    for (const name of SEED) await writer.authors.create.mutate({ name });
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  async function send(as: Caller, method: string, path: string, rawBody?: unknown, headers: Record<string, string> = {}) {
    const body =
      rawBody === undefined ? undefined : typeof rawBody === 'string' || rawBody instanceof Blob ? rawBody : JSON.stringify(rawBody);
    const token = tokens.get(as);
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: response.headers };
  }

  it('every route is either public or in the role table', () => {
    const guarded = GUARDED.map(({ route }) => route);
    expect(restRoutes.map((route) => `${route.method} ${route.path}`).sort()).toEqual([...PUBLIC, ...guarded].sort());
    expect(restRoutes.filter((route) => route.public).map((route) => `${route.method} ${route.path}`)).toEqual(PUBLIC);
  });

  it.each([...rows, ...guardRows])('$method $path as $as: $name', async (row) => {
    const response = await send(row.as, row.method, row.path, row.body);
    expect({ status: response.status, body: response.body }).toEqual({ status: row.status, body: row.expected });
    if (response.body !== undefined) expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    for (const [name, value] of Object.entries(row.headers ?? {})) expect(response.headers.get(name)).toBe(value);
  });

  it('GET /me as admin lists every role', async () => {
    const me = await send('admin', 'GET', '/me');
    expect(me.status).toBe(200);
    expect((me.body as { roles: string[] }).roles.sort()).toEqual(['admin', 'create-author', 'delete-author', 'get-authors', 'update-author']);
  });

  it('refresh rotates the refresh token; presenting the old one again is refused and ends the session', async () => {
    const first = await send('anonymous', 'POST', '/login', { username: 'reader', password: 'reader' });
    const { refresh_token: original } = first.body as { refresh_token: string };
    const second = await send('anonymous', 'POST', '/refresh', { refresh_token: original });
    expect(second).toMatchObject({ status: 200, body: tokenSet });
    const { refresh_token: rotated, access_token: access } = second.body as { refresh_token: string; access_token: string };
    expect(rotated).not.toBe(original);

    const me = await fetch(`${server.url}/me`, { headers: { Authorization: `Bearer ${access}` } });
    expect(await me.json()).toMatchObject({ username: 'reader' });

    const reused = await send('anonymous', 'POST', '/refresh', { refresh_token: original });
    expect({ status: reused.status, body: reused.body }).toEqual({
      status: 401,
      body: { detail: 'Refresh token already used; the session is revoked' },
    });
    const revoked = await send('anonymous', 'POST', '/refresh', { refresh_token: rotated });
    expect({ status: revoked.status, body: revoked.body }).toEqual({ status: 401, body: { detail: 'Invalid refresh token' } });
  });

  it('logout revokes the refresh token; logging out again is still 204', async () => {
    const login = await send('anonymous', 'POST', '/login', { username: 'writer', password: 'writer' });
    const { refresh_token } = login.body as { refresh_token: string };
    const logout = await send('anonymous', 'POST', '/logout', { refresh_token });
    expect({ status: logout.status, body: logout.body, type: logout.headers.get('content-type') }).toEqual({
      status: 204,
      body: undefined,
      type: null,
    });
    expect((await send('anonymous', 'POST', '/logout', { refresh_token })).status).toBe(204);
    const refused = await send('anonymous', 'POST', '/refresh', { refresh_token });
    expect({ status: refused.status, body: refused.body }).toEqual({ status: 401, body: { detail: 'Invalid refresh token' } });
  });

  it('the audit log records a REST call (transport, correlation id), newest first, and serves it by id', async () => {
    const created = await send('writer', 'POST', '/authors', { name: 'Audited Author' }, { 'X-Correlation-ID': 'rest-audit-1' });
    expect(created.status).toBe(201);
    await server.app.services.telemetry.audit.flush();

    const page = await send('admin', 'GET', '/audit-logs?action_type=authors.create&username=writer&start_date=2000-01-01T00:00:00Z&per_page=2');
    expect(page.status).toBe(200);
    const { items, meta } = page.body as { items: Record<string, unknown>[]; meta: Record<string, unknown> };
    expect(items[0]).toEqual({
      id: expect.any(Number),
      timestamp: ISO,
      user_id: expect.any(String),
      username: 'writer',
      roles: expect.any(Array),
      action: 'authors.create',
      resource: 'authors',
      outcome: 'success',
      transport: 'rest',
      ip: expect.stringMatching(/127\.0\.0\.1/),
      user_agent: 'node',
      correlation_id: 'rest-audit-1',
      request_data: { name: 'Audited Author' },
      status_code: 200,
      error_message: null,
      duration_ms: expect.any(Number),
      count: 1,
    });
    // The seed, Grace Hopper and her duplicate, the 256-character name… all count; only the newest two are on this page.
    expect(meta).toMatchObject({ page: 1, per_page: 2, has_more: true });

    const byId = await send('admin', 'GET', `/audit-logs/${String(items[0]!.id)}`);
    expect({ status: byId.status, body: byId.body }).toEqual({ status: 200, body: items[0] });
  });

  it('the audit log tallies refused REST calls per user, procedure and minute, without their input', async () => {
    await server.app.services.telemetry.audit.flush();
    const since = new Date().toISOString();
    const refused = () => send('reader', 'POST', '/authors', { name: 'Refused Author' });
    for (let i = 0; i < 3; i++) expect((await refused()).status).toBe(403);
    await server.app.services.telemetry.audit.flush();
    const page = await send('admin', 'GET', `/audit-logs?username=reader&action_type=authors.create&start_date=${since}`);
    const { items } = page.body as { items: Record<string, unknown>[] };
    // One row, or two when the calls straddle a minute boundary.
    expect(items.reduce((sum, item) => sum + (item.count as number), 0)).toBe(3);
    for (const item of items) {
      expect(item).toMatchObject({
        outcome: 'permission_denied',
        resource: 'authors',
        transport: 'rest',
        status_code: 403,
        error_message: 'Missing required role: create-author',
        request_data: null,
      });
    }
  });

  it('reports a failure inside a procedure as a generic 500, never its message', async () => {
    const { list } = server.app.services.authors;
    server.app.services.authors.list = () => Promise.reject(new Error('connection to 10.0.0.7 refused'));
    try {
      const response = await send('reader', 'GET', '/authors');
      expect({ status: response.status, body: response.body }).toEqual({ status: 500, body: { detail: 'Internal server error' } });
    } finally {
      server.app.services.authors.list = list;
    }
  });
});

describe('REST rate limiting', () => {
  const LIMIT = 3;
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite', env: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it('sends X-RateLimit-* on every answer and a 429 with Retry-After and the exact body past the limit', async () => {
    const { access_token } = await server.login('reader');
    const get = () => fetch(`${server.url}/authors`, { headers: { Authorization: `Bearer ${access_token}` } });
    const header = (response: Response, name: string) => response.headers.get(name);
    const seconds = expect.stringMatching(/^([1-9]|[1-5]\d|60)$/);

    for (let call = 1; call <= LIMIT; call++) {
      const response = await get();
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([]);
      expect({
        limit: header(response, 'x-ratelimit-limit'),
        remaining: header(response, 'x-ratelimit-remaining'),
        reset: header(response, 'x-ratelimit-reset'),
        retryAfter: header(response, 'retry-after'),
      }).toEqual({ limit: String(LIMIT), remaining: String(LIMIT - call), reset: seconds, retryAfter: null });
    }

    const refused = await get();
    expect(refused.status).toBe(429);
    expect(header(refused, 'content-type')).toBe('application/json; charset=utf-8');
    expect(await refused.text()).toBe('{"detail":"Rate limit exceeded. Please try again later."}');
    expect({
      limit: header(refused, 'x-ratelimit-limit'),
      remaining: header(refused, 'x-ratelimit-remaining'),
      reset: header(refused, 'x-ratelimit-reset'),
      retryAfter: header(refused, 'retry-after'),
    }).toEqual({ limit: String(LIMIT), remaining: '0', reset: seconds, retryAfter: header(refused, 'x-ratelimit-reset') });

    // The limit is the caller's: another user still has all of theirs, and /health is never limited.
    const { access_token: other } = await server.login('writer');
    const writer = await fetch(`${server.url}/authors`, { headers: { Authorization: `Bearer ${other}` } });
    expect({ status: writer.status, remaining: header(writer, 'x-ratelimit-remaining') }).toEqual({ status: 200, remaining: String(LIMIT - 1) });
    const health = await fetch(`${server.url}/health`);
    expect({ status: health.status, limit: header(health, 'x-ratelimit-limit') }).toEqual({ status: 200, limit: null });
  });
});
