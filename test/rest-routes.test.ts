// Every REST route with exact status, headers and body, as a table. Each row names the caller;
// this branch has no identity yet, so every row runs as `anonymous` — when authentication lands,
// add rows for `reader`/`writer`/`nobody` (401 without a token, 403 without the role) and teach
// `authorization()` to log those users in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server';

type Caller = 'anonymous';

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
const author = (id: number, name: string) => ({ id, name, created_at: ISO, updated_at: ISO });
const invalid = (...issues: object[]) => ({ detail: 'Invalid data', issues: issues.map((issue) => expect.objectContaining(issue)) });

// Seeded in this order (ids 1..5) before the table runs.
const SEED = ['Ada Lovelace', 'Alan Turing', '100% Pure_Name', 'To Rename', 'To Delete'];

const rows: Row[] = [
  { name: 'lists all authors in id order', as: 'anonymous', method: 'GET', path: '/authors', status: 200,
    expected: SEED.map((name, index) => author(index + 1, name)) },
  { name: 'filters by case-insensitive name substring', as: 'anonymous', method: 'GET', path: '/authors?name=LOVE', status: 200,
    expected: [author(1, 'Ada Lovelace')] },
  { name: 'accepts search= as an alias of name', as: 'anonymous', method: 'GET', path: '/authors?search=turing', status: 200,
    expected: [author(2, 'Alan Turing')] },
  { name: 'matches % and _ literally', as: 'anonymous', method: 'GET', path: '/authors?name=0%25%20Pure_', status: 200,
    expected: [author(3, '100% Pure_Name')] },
  { name: 'combines id and name with AND', as: 'anonymous', method: 'GET', path: '/authors?id=2&name=ada', status: 200, expected: [] },
  { name: 'rejects a non-numeric id filter', as: 'anonymous', method: 'GET', path: '/authors?id=abc', status: 422,
    expected: invalid({ path: ['id'], code: 'invalid_type' }) },
  { name: 'rejects a repeated filter', as: 'anonymous', method: 'GET', path: '/authors?name=a&name=b', status: 422,
    expected: invalid({ path: ['name'], code: 'invalid_type' }) },
  { name: 'paginates by page', as: 'anonymous', method: 'GET', path: '/authors/paginated?page=2&per_page=2', status: 200,
    expected: { items: [author(3, SEED[2]!), author(4, SEED[3]!)], meta: { page: 2, per_page: 2, total: 5, pages: 3, next_cursor: null, has_more: true } } },
  { name: 'paginates with name and id filters', as: 'anonymous', method: 'GET', path: '/authors/paginated?name=al&id=2', status: 200,
    expected: { items: [author(2, 'Alan Turing')], meta: { page: 1, per_page: 20, total: 1, pages: 1, next_cursor: null, has_more: false } } },
  { name: 'paginates by keyset cursor (empty cursor = from the start)', as: 'anonymous', method: 'GET', path: '/authors/paginated?per_page=4&cursor=', status: 200,
    expected: { items: SEED.slice(0, 4).map((name, index) => author(index + 1, name)), meta: { page: 1, per_page: 4, total: 0, pages: 0, next_cursor: 'aWQ6NA', has_more: true } } },
  { name: 'continues from a cursor', as: 'anonymous', method: 'GET', path: '/authors/paginated?per_page=4&cursor=aWQ6NA', status: 200,
    expected: { items: [author(5, 'To Delete')], meta: { page: 1, per_page: 4, total: 0, pages: 0, next_cursor: null, has_more: false } } },
  { name: 'rejects a forged cursor', as: 'anonymous', method: 'GET', path: '/authors/paginated?cursor=bm9wZQ', status: 422,
    expected: { detail: 'Invalid cursor', issues: [] } },
  { name: 'rejects page 0', as: 'anonymous', method: 'GET', path: '/authors/paginated?page=0', status: 422,
    expected: invalid({ path: ['page'], code: 'too_small' }) },
  { name: 'rejects a non-numeric per_page', as: 'anonymous', method: 'GET', path: '/authors/paginated?per_page=lots', status: 422,
    expected: invalid({ path: ['per_page'], code: 'invalid_type' }) },
  { name: 'PUT on /authors/paginated is 405, not an id', as: 'anonymous', method: 'PUT', path: '/authors/paginated', status: 405,
    expected: { detail: 'Method Not Allowed' }, headers: { allow: 'GET, HEAD' } },
  { name: 'reads one author', as: 'anonymous', method: 'GET', path: '/authors/2', status: 200, expected: author(2, 'Alan Turing') },
  { name: 'HEAD is served by the GET route, without a body', as: 'anonymous', method: 'HEAD', path: '/authors/2', status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' } },
  { name: 'a missing author is 404', as: 'anonymous', method: 'GET', path: '/authors/999', status: 404, expected: { detail: 'Author 999 not found' } },
  { name: 'a non-numeric id is 422', as: 'anonymous', method: 'GET', path: '/authors/abc', status: 422,
    expected: invalid({ path: ['id'], code: 'invalid_type' }) },
  { name: 'an out-of-range id is 422', as: 'anonymous', method: 'GET', path: '/authors/2147483648', status: 422,
    expected: invalid({ path: ['id'], code: 'too_big' }) },
  { name: 'a zero id is 422', as: 'anonymous', method: 'GET', path: '/authors/0', status: 422,
    expected: invalid({ path: ['id'], code: 'too_small' }) },
  { name: 'bad percent-encoding in the id is 422', as: 'anonymous', method: 'GET', path: '/authors/%zz', status: 422,
    expected: invalid({ path: ['id'] }) },
  { name: 'creates an author (trimmed) with 201', as: 'anonymous', method: 'POST', path: '/authors', body: { name: '  Grace Hopper ' }, status: 201,
    expected: author(6, 'Grace Hopper') },
  { name: 'a duplicate name is 409', as: 'anonymous', method: 'POST', path: '/authors', body: { name: 'Grace Hopper' }, status: 409,
    expected: { detail: 'An author named "Grace Hopper" already exists' } },
  { name: 'a blank name is 422', as: 'anonymous', method: 'POST', path: '/authors', body: { name: '   ' }, status: 422,
    expected: invalid({ path: ['name'], code: 'too_small' }) },
  { name: 'a 256-character name is 422', as: 'anonymous', method: 'POST', path: '/authors', body: { name: 'x'.repeat(256) }, status: 422,
    expected: invalid({ path: ['name'], code: 'too_big' }) },
  { name: 'a missing body is 422', as: 'anonymous', method: 'POST', path: '/authors', status: 422,
    expected: invalid({ path: ['name'], code: 'invalid_type' }) },
  { name: 'a JSON array body is 422', as: 'anonymous', method: 'POST', path: '/authors', body: [{ name: 'x' }], status: 422,
    expected: invalid({ path: [], code: 'invalid_type' }) },
  { name: 'malformed JSON is 400', as: 'anonymous', method: 'POST', path: '/authors', body: '{"name":', status: 400,
    expected: { detail: 'Malformed JSON body' } },
  { name: 'invalid UTF-8 is 400', as: 'anonymous', method: 'POST', path: '/authors', body: new Blob([new Uint8Array([0x7b, 0xff, 0x7d])]), status: 400,
    expected: { detail: 'Malformed JSON body' } },
  { name: 'renames an author with 200', as: 'anonymous', method: 'PUT', path: '/authors/4', body: { name: 'Renamed' }, status: 200,
    expected: author(4, 'Renamed') },
  { name: 'the path id wins over an id in the body', as: 'anonymous', method: 'PUT', path: '/authors/4', body: { id: 1, name: 'Renamed Again' }, status: 200,
    expected: author(4, 'Renamed Again') },
  { name: 'renaming to a taken name is 409', as: 'anonymous', method: 'PUT', path: '/authors/4', body: { name: 'Ada Lovelace' }, status: 409,
    expected: { detail: 'An author named "Ada Lovelace" already exists' } },
  { name: 'renaming a missing author is 404', as: 'anonymous', method: 'PUT', path: '/authors/999', body: { name: 'Nobody' }, status: 404,
    expected: { detail: 'Author 999 not found' } },
  { name: 'renaming with a non-numeric id is 422', as: 'anonymous', method: 'PUT', path: '/authors/x', body: { name: 'Nobody' }, status: 422,
    expected: invalid({ path: ['id'] }) },
  { name: 'deletes an author with 204 and no body', as: 'anonymous', method: 'DELETE', path: '/authors/5', status: 204,
    headers: { 'content-type': null, 'content-length': null } },
  { name: 'deleting it again is 404', as: 'anonymous', method: 'DELETE', path: '/authors/5', status: 404, expected: { detail: 'Author 5 not found' } },
  { name: 'deleting with an out-of-range id is 422', as: 'anonymous', method: 'DELETE', path: '/authors/99999999999', status: 422,
    expected: invalid({ path: ['id'], code: 'too_big' }) },
  { name: 'PATCH on an author is 405 with Allow', as: 'anonymous', method: 'PATCH', path: '/authors/1', status: 405,
    expected: { detail: 'Method Not Allowed' }, headers: { allow: 'GET, PUT, DELETE, HEAD' } },
  { name: 'DELETE on the collection is 405 with Allow', as: 'anonymous', method: 'DELETE', path: '/authors', status: 405,
    expected: { detail: 'Method Not Allowed' }, headers: { allow: 'GET, POST, HEAD' } },
  { name: 'an unknown route is 404', as: 'anonymous', method: 'GET', path: '/authorz', status: 404, expected: { detail: 'Not Found' } },
  { name: 'a trailing slash is not a route', as: 'anonymous', method: 'GET', path: '/authors/', status: 404, expected: { detail: 'Not Found' } },
  { name: 'a deeper path is not a route', as: 'anonymous', method: 'GET', path: '/authors/1/books', status: 404, expected: { detail: 'Not Found' } },
];

function authorization(caller: Caller): Record<string, string> {
  switch (caller) {
    case 'anonymous':
      return {};
  }
}

describe('REST routes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite' });
    for (const name of SEED) await server.client().authors.create.mutate({ name });
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it.each(rows)('$method $path as $as: $name', async (row) => {
    const body =
      row.body === undefined ? undefined : typeof row.body === 'string' || row.body instanceof Blob ? row.body : JSON.stringify(row.body);
    const response = await fetch(`${server.url}${row.path}`, {
      method: row.method,
      headers: { ...authorization(row.as), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body,
    });
    const text = await response.text();
    expect({ status: response.status, body: text ? JSON.parse(text) : undefined }).toEqual({
      status: row.status,
      body: row.expected,
    });
    if (text) expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    for (const [name, value] of Object.entries(row.headers ?? {})) expect(response.headers.get(name)).toBe(value);
  });

  it('reports a failure inside a procedure as a generic 500, never its message', async () => {
    const { list } = server.app.services.authors;
    server.app.services.authors.list = () => Promise.reject(new Error('connection to 10.0.0.7 refused'));
    try {
      const response = await fetch(`${server.url}/authors`);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ detail: 'Internal server error' });
    } finally {
      server.app.services.authors.list = list;
    }
  });
});
