// The single-call shortcut of the tRPC-HTTP transport answers exactly what tRPC's own adapter
// answers for the same request (forced through the adapter with a `trpc-accept` header): status,
// content type, Vary and body, for successes and for every kind of refusal, GET queries and POST
// mutations alike.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs } from './helpers/logs';
import { startTestServer, type TestServer } from './helpers/server';

describe('tRPC-HTTP single call', () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite' });
    for (const user of ['admin', 'reader', 'nobody']) tokens[user] = await server.tokenFor(user);
    const admin = server.client(tokens.admin);
    for (const name of ['John Smith', 'Johnny Cash', 'Jane Doe']) await admin.authors.create.mutate({ name });
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  const input = (value: unknown) => `?input=${encodeURIComponent(JSON.stringify({ json: value }))}`;
  const cases: [string, string, string | undefined, string?][] = [
    ['a list', `/trpc/authors.list${input({ name: 'john' })}`, 'admin'],
    ['a query without input', '/trpc/auth.me', 'admin'],
    ['a page', `/trpc/authors.paginated${input({ page: 1, per_page: 2 })}`, 'admin'],
    ['invalid input', `/trpc/authors.list${input({ id: 'seven' })}`, 'admin'],
    ['a missing author', `/trpc/authors.byId${input({ id: 999 })}`, 'admin'],
    ['no token', '/trpc/auth.me', undefined],
    ['a forged token', '/trpc/auth.me', 'forged'],
    ['a role missing', `/trpc/authors.list${input({})}`, 'nobody'],
    ['input that is not JSON', '/trpc/authors.list?input=%7Bnot', 'admin'],
    ['a mutation by GET', `/trpc/authors.create${input({ name: 'x' })}`, 'admin'],
    ['an unknown procedure', '/trpc/authors.nope', 'admin'],
    ['a path with malformed escapes', '/trpc/%E0%A4%A', 'admin'],
    ['a mutation with invalid input', '/trpc/authors.create', 'admin', JSON.stringify({ json: { name: '' } })],
    ['a mutation conflicting with a row', '/trpc/authors.create', 'admin', JSON.stringify({ json: { name: 'Jane Doe' } })],
    ['a mutation body that is not JSON', '/trpc/authors.create', 'admin', '{not json'],
    ['a mutation body without superjson', '/trpc/authors.create', 'admin', '{"name":"x"}'],
    ['an empty mutation body', '/trpc/authors.create', 'admin', ''],
    ['a mutation without the role', '/trpc/authors.create', 'reader', JSON.stringify({ json: { name: 'Reader' } })],
    ['a mutation without a token', '/trpc/authors.create', undefined, JSON.stringify({ json: { name: 'Nobody' } })],
    ['a query by POST', '/trpc/authors.list', 'admin', JSON.stringify({ json: {} })],
  ];

  it.each(cases)('answers %s as the adapter does', async (_label, path, user, body) => {
    const authorization = user === 'forged' ? 'Bearer not.a.jwt' : user ? `Bearer ${tokens[user]}` : undefined;
    const get = async (headers: Record<string, string>) => {
      const response = await fetch(`${server.url}${path}`, {
        ...(body === undefined ? {} : { method: 'POST', body }),
        headers: {
          ...(authorization ? { Authorization: authorization } : {}),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...headers,
        },
      });
      return {
        status: response.status,
        contentType: response.headers.get('content-type'),
        vary: response.headers.get('vary'),
        allow: response.headers.get('allow'),
        body: (await response.json()) as unknown,
      };
    };
    const viaAdapter = await get({ 'trpc-accept': 'application/json' });
    const answer = await get({});
    expect(answer).toEqual(viaAdapter);
  });

  it('returns the rows and dates the typed client reads', async () => {
    const response = await fetch(`${server.url}/trpc/authors.list${input({ name: 'john' })}`, { headers: { Authorization: `Bearer ${tokens.admin}` } });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
    const body = (await response.json()) as { result: { data: { json: { name: string }[]; meta: { values: Record<string, string[]> } } } };
    expect(body.result.data.json.map((author) => author.name)).toEqual(['John Smith', 'Johnny Cash']);
    expect(body.result.data.meta.values['0.created_at']).toEqual(['Date']);
  });

  it('creates through the shortcut and answers what the client reads', async () => {
    const response = await fetch(`${server.url}/trpc/authors.create`, {
      method: 'POST',
      body: JSON.stringify({ json: { name: 'Grace Hopper' } }),
      headers: { Authorization: `Bearer ${tokens.admin}`, 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
    const body = (await response.json()) as { result: { data: { json: { id: number; name: string }; meta: { values: Record<string, string[]> } } } };
    expect(body.result.data.json.name).toBe('Grace Hopper');
    expect(body.result.data.meta.values).toEqual({ created_at: ['Date'], updated_at: ['Date'] });
    expect(await server.client(tokens.admin).authors.byId.query({ id: body.result.data.json.id })).toMatchObject({ name: 'Grace Hopper' });
    // The audit middleware reads the input after the procedure did: the body is read once, for both.
    await server.app.services.telemetry.audit.flush();
    const { items } = await server.app.services.auditLogs.page({ action: 'authors.create', outcome: 'success' }, 0, 10);
    expect(items.filter((row) => row.transport === 'http').map((row) => row.request_data)).toContainEqual({ name: 'Grace Hopper' });
  });

  // The shortcut reads the body itself (transports/trpc-http.ts, readText): in parts, and from a
  // client that goes away before the end, as the stream's own reader would.
  const openSocket = async (url: string): Promise<Socket> => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return socket;
  };
  const createHead = (length: number, correlationId: string, token: string, extra = '') =>
    'POST /trpc/authors.create HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
    `Authorization: Bearer ${token}\r\nX-Correlation-ID: ${correlationId}\r\nContent-Length: ${length}\r\n${extra}Connection: close\r\n\r\n`;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

  /** Sends `body` in parts (split inside its multi-byte character too), a pause between each; the status and JSON answered. */
  async function createInParts(body: string, extraHeaders = '') {
    const bytes = Buffer.from(body);
    const split = bytes.indexOf(Buffer.from('—')) + 1;
    const socket = await openSocket(server.url);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = new Promise((resolve) => socket.once('end', resolve));
    socket.write(createHead(bytes.length, 'body-in-parts', tokens.admin!, extraHeaders));
    for (const part of [bytes.subarray(0, 5), bytes.subarray(5, split), bytes.subarray(split)]) {
      await pause();
      socket.write(part);
    }
    await ended;
    const answer = Buffer.concat(received);
    const headEnd = answer.indexOf('\r\n\r\n');
    const head = answer.subarray(0, headEnd).toString();
    let rest = answer.subarray(headEnd + 4);
    // The adapter answers chunked: its chunks joined.
    if (/^transfer-encoding: chunked$/im.test(head)) {
      const chunks: Buffer[] = [];
      for (let size = 1; size > 0; ) {
        const line = rest.indexOf('\r\n');
        size = parseInt(rest.subarray(0, line).toString(), 16);
        chunks.push(rest.subarray(line + 2, line + 2 + size));
        rest = rest.subarray(line + 2 + size + 2);
      }
      rest = Buffer.concat(chunks);
    }
    return { status: Number(head.split(' ', 2)[1]), body: JSON.parse(rest.toString()) as unknown };
  }

  it('reads a body that arrives in several parts', async () => {
    const answer = await createInParts(JSON.stringify({ json: { name: 'Ada Lovelace — in parts' } }));
    expect(answer).toMatchObject({ status: 200, body: { result: { data: { json: { name: 'Ada Lovelace — in parts' } } } } });
    // A refusal of such a body, as the adapter words it (an input too long for the procedure).
    const refused = JSON.stringify({ json: { name: `${'—'.repeat(300)}` } });
    const shortcut = await createInParts(refused);
    expect(shortcut.status).toBe(400);
    expect(shortcut).toEqual(await createInParts(refused, 'trpc-accept: application/json\r\n'));
  });

  it('fails the call of a client that goes away mid-body, creates nothing and goes on serving', async () => {
    const logs = captureLogs();
    await using logged = await startTestServer({ driver: 'pglite', logger: logs.logger });
    const token = await logged.tokenFor('admin');
    const socket = await openSocket(logged.url);
    socket.write(createHead(100, 'gone-mid-body', token));
    socket.write('{"json":{"name":"Never');
    await pause();
    socket.destroy();
    const callLine = async () => {
      for (let waited = 0; waited < 5_000; waited += 20) {
        const line = logs.lines().find((entry) => entry.correlationId === 'gone-mid-body' && entry.procedure === 'authors.create');
        if (line) return line;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('no procedure call line');
    };
    // As with the stream's async iterator: the request's own error ('aborted'), wrapped by tRPC.
    expect(await callLine()).toMatchObject({
      outcome: 'error',
      code: 'INTERNAL_SERVER_ERROR',
      msg: 'procedure call failed unexpectedly',
      err: { type: 'TRPCError', message: 'aborted: aborted', stack: expect.stringContaining('caused by: Error: aborted') },
    });
    const admin = logged.client(token);
    expect(await admin.authors.list.query({ name: 'Never' })).toEqual([]);
    expect(await admin.authors.create.mutate({ name: 'After the abort' })).toMatchObject({ name: 'After the abort' });
  });

  it('reads the body once when rate limiting reads the input before the procedure (login)', async () => {
    await using limited = await startTestServer({ driver: 'pglite', env: { RATE_LIMIT_ENABLED: 'true' } });
    const response = await fetch(`${limited.url}/trpc/auth.login`, {
      method: 'POST',
      body: JSON.stringify({ json: { username: 'reader', password: 'reader' } }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-limit')).not.toBeNull();
    const body = (await response.json()) as { result: { data: { json: { token_type: string } } } };
    expect(body.result.data.json.token_type).toBe('Bearer');
  });
});
