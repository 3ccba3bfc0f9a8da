// Errors that are not the API's own (issue 15, hole 10; DESIGN §13 "Errors"): on every transport the
// client reads the generic "Internal server error" (or, for input a library choked on, a message of
// ours), never the error's own text, and the server logs it exactly once with the correlation id.
// The error policy itself (trpc/error-policy.ts) is checked on its own first.
import { StatusCode } from '@authors/shared';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { publicErrorOf, reportOnce } from '../server/src/trpc/error-policy';
import { captureLogs, type CapturedLogs, type LogLine } from './helpers/logs';
import { answerTo, openLegacySocket } from './helpers/legacy-socket';
import { openRawTrpcSocket } from './helpers/raw-trpc-socket';
import { startTestServer, type TestServer } from './helpers/server';
import { hasPostgres } from './helpers/services';

const INTERNAL = 'Internal server error';
const INVALID_SUPERJSON = 'Input is not valid superjson: its `meta` does not fit its `json`';

describe('the error policy', () => {
  it('answers a plain Error as INTERNAL_SERVER_ERROR with the generic message on every transport', () => {
    expect(publicErrorOf(new Error("Cannot destructure property 'json' of 'input' as it is null."))).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      message: INTERNAL,
      issues: null,
      unexpected: true,
      rest: { status: 500, detail: INTERNAL },
      legacy: { status: StatusCode.ERROR, msg: INTERNAL },
    });
  });

  it('hides the message tRPC took over from a library that choked on input, keeping BAD_REQUEST', () => {
    const choked = new TRPCError({ code: 'BAD_REQUEST', cause: new RangeError('Maximum call stack size exceeded') });
    expect(publicErrorOf(choked)).toMatchObject({ code: 'BAD_REQUEST', message: 'Invalid input', unexpected: true, rest: { status: 422 } });
  });

  it("passes on the API's own messages: a TRPCError thrown on purpose, malformed JSON, validation", () => {
    const conflict = new TRPCError({ code: 'CONFLICT', message: 'An author named "A" already exists', cause: new Error('An author named "A" already exists') });
    expect(publicErrorOf(conflict)).toMatchObject({ message: 'An author named "A" already exists', unexpected: false, rest: { status: 409 }, legacy: { status: 2 } });
    const json = new TRPCError({ code: 'BAD_REQUEST', cause: new SyntaxError('Unexpected end of JSON input') });
    expect(publicErrorOf(json)).toMatchObject({ message: 'Unexpected end of JSON input', unexpected: false });

    const invalid = z.object({ id: z.number() }).safeParse({ id: 'x' });
    const validation = new TRPCError({ code: 'BAD_REQUEST', cause: invalid.error });
    const { message, issues, rest, legacy } = publicErrorOf(validation);
    // tRPC clients get zod's issues as JSON (what a stock tRPC server sends), REST and legacy their own words.
    expect(JSON.parse(message)).toEqual(issues);
    expect(issues).toEqual([expect.objectContaining({ code: 'invalid_type', path: ['id'] })]);
    expect(rest).toEqual({ status: 422, detail: 'Invalid data' });
    expect(legacy).toEqual({ status: StatusCode.INVALID_DATA, msg: 'Invalid data' });
  });

  it('spells the rate limit refusal as each transport documents it', () => {
    const refused = new TRPCError({ code: 'TOO_MANY_REQUESTS', message: 'Rate limit exceeded' });
    expect(publicErrorOf(refused)).toMatchObject({
      message: 'Rate limit exceeded',
      rest: { status: 429, detail: 'Rate limit exceeded. Please try again later.' },
      legacy: { status: StatusCode.ERROR, msg: 'Rate limit exceeded' },
    });
  });

  it('reports a failure once, with the first reporter\'s fields and message, however it is wrapped', () => {
    const logs = captureLogs();
    const cause = new Error('boom');
    reportOnce(logs.logger, cause, { procedure: 'authors.list', correlationId: 'once' }, 'REST request failed unexpectedly');
    reportOnce(logs.logger, cause, { path: '/authors' }, 'unhandled error in HTTP handler');
    reportOnce(logs.logger, new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause }), {}, 'tRPC request failed unexpectedly');
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'REST request failed unexpectedly',
        procedure: 'authors.list',
        correlationId: 'once',
        err: expect.objectContaining({ message: 'boom' }),
      }),
    ]);
  });
});

describe('superjson annotations superjson cannot follow', () => {
  let server: TestServer;
  let token = '';
  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('reader');
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  // Each of these answered superjson's own error text before: a string where an annotation tree belongs
  // recursed until "Maximum call stack size exceeded"; a number where a list belongs, "….map is not a function".
  const inputs = [
    { json: { name: 'x' }, meta: { values: { name: 'nope' } } },
    { json: { name: 'x' }, meta: { values: { name: ['custom', 'Unknown'] } } },
    { json: { name: 'x' }, meta: { referentialEqualities: { name: 5 } } },
  ];

  it('are BAD_REQUEST with our message over tRPC-HTTP', async () => {
    for (const input of inputs) {
      const response = await fetch(`${server.url}/trpc/authors.list?input=${encodeURIComponent(JSON.stringify(input))}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: {
          json: {
            message: INVALID_SUPERJSON,
            code: -32600,
            data: { code: 'BAD_REQUEST', httpStatus: 400, path: 'authors.list', issues: null },
          },
        },
      });
    }
  });

  // tRPC's WS protocol decodes a message's input with the message itself: a message it cannot decode is
  // PARSE_ERROR with no id, as tRPC's own adapter answers it.
  it('are PARSE_ERROR with our message over tRPC-WS', async () => {
    const socket = await openRawTrpcSocket(server.url, token);
    inputs.forEach((input, id) => socket.socket.send(JSON.stringify({ id, method: 'query', params: { path: 'authors.list', input } })));
    await vi.waitFor(() => expect(socket.messages.filter((message) => message.id !== undefined)).toHaveLength(inputs.length), { timeout: 10_000 });
    for (const message of socket.messages) {
      expect(message).toMatchObject({ id: null, error: { json: { message: INVALID_SUPERJSON, data: { code: 'PARSE_ERROR' } } } });
    }
    socket.socket.close();
  });
});

describe.skipIf(!hasPostgres)('a failure that is not an API error', () => {
  let server: TestServer;
  let logs: CapturedLogs;
  let token = '';

  beforeAll(async () => {
    logs = captureLogs();
    // The audit rows of these calls can never be written: do not wait the default 10 s for them at close.
    server = await startTestServer({ driver: 'postgres', logger: logs.logger, env: { SHUTDOWN_TIMEOUT_MS: '500' } });
    token = await server.tokenFor('admin');
    // Every query now fails inside the driver ("write CONNECTION_ENDED"): a bug, not an outage.
    await server.app.database.close();
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  /** Error lines about a request (the audit queue's failing inserts are logged too, on their own timer). */
  const errorLines = (from: number): LogLine[] =>
    logs.lines().slice(from).filter((line) => line.level >= 50 && ('procedure' in line || 'pkgId' in line));
  /** The error lines written while `act` ran; waits until at least one is there. */
  async function loggedBy(act: () => Promise<unknown>): Promise<LogLine[]> {
    const from = logs.lines().length;
    const answer = await act();
    await vi.waitFor(() => expect(errorLines(from).length).toBeGreaterThan(0));
    return [answer, ...errorLines(from)] as LogLine[];
  }

  it('tRPC-HTTP: generic message, one log line with the correlation id', async () => {
    const [answer, ...lines] = await loggedBy(async () => {
      const response = await fetch(`${server.url}/trpc/authors.list?input=${encodeURIComponent('{"json":{}}')}`, {
        headers: { authorization: `Bearer ${token}`, 'X-Correlation-ID': 'internal-http' },
      });
      return { status: response.status, body: await response.json() } as unknown as LogLine;
    });
    expect(answer).toMatchObject({ status: 500, body: { error: { json: { message: INTERNAL, data: { code: 'INTERNAL_SERVER_ERROR' } } } } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ correlationId: 'internal-http', transport: 'http', procedure: 'authors.list' });
  });

  it('REST: 500 {"detail":"Internal server error"}, one log line with the correlation id', async () => {
    const [answer, ...lines] = await loggedBy(async () => {
      const response = await fetch(`${server.url}/authors`, { headers: { authorization: `Bearer ${token}`, 'X-Correlation-ID': 'internal-rest' } });
      return { status: response.status, body: await response.json() } as unknown as LogLine;
    });
    expect(answer).toEqual({ status: 500, body: { detail: INTERNAL } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ correlationId: 'internal-rest', transport: 'rest', procedure: 'authors.list' });
  });

  it('tRPC-WS: generic message, one log line with the call’s correlation id', async () => {
    const socket = await openRawTrpcSocket(server.url, token);
    const [, ...lines] = await loggedBy(async () => {
      socket.socket.send(JSON.stringify({ id: 7, method: 'query', params: { path: 'authors.list', input: { json: {} } } }));
      await vi.waitFor(() => expect(socket.messages.some((message) => message.id === 7)).toBe(true));
    });
    expect(socket.messages.find((message) => message.id === 7)).toMatchObject({
      error: { json: { message: INTERNAL, data: { code: 'INTERNAL_SERVER_ERROR' } } },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ transport: 'ws', procedure: 'authors.list', correlationId: expect.any(String) });
    socket.socket.close();
  });

  it('legacy: status 1 "Internal server error", one log line with the call’s correlation id', async () => {
    const socket = await openLegacySocket(server.url, token);
    const [answer, ...lines] = await loggedBy(async () => {
      socket.send({ pkg_id: 1, req_id: 'internal-legacy', data: {} });
      return (await socket.next(answerTo('internal-legacy'))) as LogLine;
    });
    expect(answer).toEqual({
      pkg_id: 1,
      req_id: 'internal-legacy',
      status_code: 1,
      meta: null,
      data: { msg: INTERNAL, code: 'INTERNAL_SERVER_ERROR' },
      msg: INTERNAL,
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ transport: 'legacy', procedure: 'authors.list', correlationId: expect.any(String) });
    socket.socket.close();
  });
});
