import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, type CapturedLogs } from './helpers/logs';
import { scrape, valueOf } from './helpers/prometheus';
import { startTestServer, type TestServer } from './helpers/server';
import { hasPostgres } from './helpers/services';

let authorization = '';
function listAuthors(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/trpc/authors.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`, {
    headers: { authorization, ...headers },
  });
}

describe.skipIf(!hasPostgres)('one log line per procedure call', () => {
  let server: TestServer;
  let logs: CapturedLogs;

  beforeAll(async () => {
    logs = captureLogs();
    server = await startTestServer({ driver: 'postgres', logger: logs.logger });
    authorization = `Bearer ${await server.tokenFor('admin')}`;
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it('carries the correlation id of its request, the procedure, transport, outcome and duration', async () => {
    const response = await listAuthors(server.url, { 'X-Correlation-ID': 'req-abc.123' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-correlation-id')).toBe('req-abc.123');
    const lines = logs.lines().filter((line) => line.correlationId === 'req-abc.123');
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: 30,
      msg: 'procedure call',
      service: 'authors-rpc',
      correlationId: 'req-abc.123',
      user: 'admin',
      procedure: 'authors.list',
      type: 'query',
      transport: 'http',
      outcome: 'success',
    });
    expect(line!.durationMs).toEqual(expect.any(Number));
    expect(line).not.toHaveProperty('code');
    // These lines skip pino's redaction (observability/logger.ts unredacted()): they must hold only these keys.
    expect(Object.keys(line!).sort()).toEqual(
      ['correlationId', 'durationMs', 'level', 'msg', 'outcome', 'procedure', 'service', 'time', 'transport', 'type', 'user'],
    );
    const requestLines = logs.lines().filter((entry) => entry.correlation_id === 'req-abc.123');
    expect(requestLines.map((entry) => Object.keys(entry).sort())).toEqual([
      ['correlation_id', 'duration_ms', 'level', 'method', 'msg', 'path', 'service', 'status', 'time'],
    ]);
    expect(requestLines[0]).toMatchObject({ level: 30, msg: 'request completed', method: 'GET', path: '/trpc/authors.list', status: 200 });
  });

  it('logs one line per call of a batch, and expected errors at info level with their code', async () => {
    const input = encodeURIComponent(JSON.stringify({ 0: { json: { id: 404 } }, 1: { json: { name: '' } } }));
    const response = await fetch(`${server.url}/trpc/authors.byId,authors.list?batch=1&input=${input}`, {
      headers: { 'X-Correlation-ID': 'batch-1', authorization },
    });
    expect(response.status).toBe(207);
    // The calls of a batch run concurrently: their lines come in the order they finish.
    const lines = logs
      .lines()
      .filter((line) => line.correlationId === 'batch-1')
      .sort((a, b) => String(a.procedure).localeCompare(String(b.procedure)));
    expect(lines.map(({ level, procedure, outcome, code }) => ({ level, procedure, outcome, code }))).toEqual([
      { level: 30, procedure: 'authors.byId', outcome: 'error', code: 'NOT_FOUND' },
      { level: 30, procedure: 'authors.list', outcome: 'success', code: undefined },
    ]);
  });

  it('replaces a malformed correlation id with a fresh UUID, in the header and the log line', async () => {
    const response = await listAuthors(server.url, { 'X-Correlation-ID': 'no spaces allowed!' });
    const id = response.headers.get('x-correlation-id');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(logs.lines().filter((line) => line.correlationId === id)).toHaveLength(1);
    expect(logs.text()).not.toContain('no spaces allowed!');
  });
});

describe.skipIf(!hasPostgres)('unexpected errors', () => {
  let server: TestServer;
  let logs: CapturedLogs;

  beforeAll(async () => {
    logs = captureLogs();
    server = await startTestServer({ driver: 'postgres', logger: logs.logger });
    authorization = `Bearer ${await server.tokenFor('admin')}`;
    await server.app.database.close(); // every query now fails inside the driver
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it('answer a generic message with no stack trace or SQL, log once with stack and cause, and count', async () => {
    const response = await listAuthors(server.url, { 'X-Correlation-ID': 'broken-1' });
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({
      error: {
        json: {
          message: 'Internal server error',
          code: -32603,
          data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, path: 'authors.list', issues: null },
        },
      },
    });
    expect(body).not.toMatch(/select|"author"|stack/i);

    const lines = logs.lines().filter((line) => line.correlationId === 'broken-1');
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: 50,
      msg: 'procedure call failed unexpectedly',
      procedure: 'authors.list',
      transport: 'http',
      outcome: 'error',
      code: 'INTERNAL_SERVER_ERROR',
    });
    const err = line!.err as { type: string; message: string; stack: string };
    expect(err.type).toBe('TRPCError');
    // The cause (the driver's error and the failed query) is in the log, not in the response.
    expect(err.message).toMatch(/Failed query: select .* from "author"/);
    expect(err.stack).toContain('caused by: Error: write CONNECTION_ENDED');
    expect(err.stack).toMatch(/\n    at /);

    const metrics = await scrape(server.url);
    expect(valueOf(metrics, 'app_errors_total', { error_type: 'DrizzleQueryError', transport: 'http' })).toBe(1);
    expect(valueOf(metrics, 'trpc_calls_total', { path: 'authors.list', type: 'query', transport: 'http', outcome: 'error' })).toBe(1);
  });
});

describe('log redaction', () => {
  it('never writes tokens, passwords or secrets, wherever the usual fields sit', () => {
    const logs = captureLogs('debug');
    const secrets = ['hunter2', 'eyJhbGciOi.jwt.sig', 'refresh-xyz', 'client-secret-1', 'cookie-session'];
    logs.logger.info({ password: 'hunter2', username: 'ada' }, 'login');
    logs.logger.info({ input: { password: 'hunter2', refresh_token: 'refresh-xyz' } }, 'nested');
    logs.logger.info({ req: { headers: { authorization: 'Bearer eyJhbGciOi.jwt.sig', cookie: 'cookie-session' } } }, 'request');
    logs.logger.info({ headers: { authorization: 'Bearer eyJhbGciOi.jwt.sig' } }, 'headers');
    logs.logger.info({ connectionParams: { token: 'eyJhbGciOi.jwt.sig' } }, 'ws');
    logs.logger.info({ body: { client_secret: 'client-secret-1', access_token: 'eyJhbGciOi.jwt.sig' } }, 'oidc');
    logs.logger.child({ token: 'eyJhbGciOi.jwt.sig' }).info('child');

    const text = logs.text();
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(logs.lines()).toHaveLength(7);
    expect(logs.lines()[0]).toMatchObject({ password: '[REDACTED]', username: 'ada' });
    expect(logs.lines()[2]).toMatchObject({ req: { headers: { authorization: '[REDACTED]', cookie: '[REDACTED]' } } });
  });
});
