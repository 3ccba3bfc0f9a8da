// Hostile input over every transport, as one table (in the manner of oRPC's describe.each suites):
// each row is a class of hostile input with what to send on each transport and the exact refusal
// expected there. After each refusal the same connection — or a fresh one, when the refusal closes
// it — must still serve a valid request, and after all of them the heap must not have grown by more
// than a bound: no input may crash the server, wedge a connection or pin memory.
//
// Adding a class is one row in `attacks`, with a case for each transport it applies to (the others
// are skipped). A case gets the connection and the server, sends what it likes (it may open its own
// socket, e.g. for a bad token), and returns what came back in a plain shape compared with `expected`.
import { setFlagsFromString } from 'node:v8';
import type { Author } from '@authors/shared';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openHttpConnection, type HttpConnection } from './helpers/http';
import { answerTo, openLegacySocket, type Frame, type LegacySocket } from './helpers/legacy-socket';
import { openRawTrpcSocket, type RawTrpcSocket } from './helpers/raw-trpc-socket';
import { startTestServer, type TestServer } from './helpers/server';
import { hasPostgres } from './helpers/services';
import { REFERENCE_CYCLE, referenceBomb } from './helpers/superjson-payloads';
import { tamper } from './helpers/tokens';
import WebSocket from 'ws';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** What the heap may grow by over a whole transport's rows (measured after a full GC). */
const HEAP_GROWTH_BOUND = 48 * 1024 * 1024;
const MAX_INPUT_NODES = 10_000;
const TOO_LARGE = `Input too large: more than ${MAX_INPUT_NODES} values`;
const UNSTORABLE = 'Text must not contain NUL characters or unpaired surrogates';
const MAX_BATCH_SIZE = 50;
const BATCH_TOO_LARGE = 'Batch call exceeds maximum size';
/** WS_MAX_SUBSCRIPTIONS_PER_CONNECTION, lowered for the test (default 100). */
const MAX_SUBSCRIPTIONS = 5;
const TOO_MANY_SUBSCRIPTIONS = 'Maximum subscriptions per connection exceeded';
/** WS_AUTH_TIMEOUT_MS, lowered for the test (default 5 s). */
const AUTH_TIMEOUT_MS = 500;
/** Over WS_MAX_PAYLOAD and MAX_REQUEST_BODY_SIZE (1 MiB each), by far. */
const HUGE = 5 * 1024 * 1024;

type TransportName = 'trpc-http' | 'trpc-ws' | 'rest' | 'legacy';

interface Case<C> {
  send(connection: C, context: AttackContext): Promise<unknown>;
  expected: unknown;
  /** The refusal closes the connection: the valid request afterwards goes over a fresh one. */
  closes?: boolean;
}

interface AttackContext {
  server: TestServer;
  /** Tokens of the development users, and `forged`: reader's token claiming admin, signature unchanged. */
  tokens: Record<'admin' | 'writer' | 'reader' | 'forged', string>;
}

interface Attack {
  name: string;
  'trpc-http'?: Case<HttpConnection>;
  'trpc-ws'?: Case<RawTrpcSocket>;
  rest?: Case<HttpConnection>;
  legacy?: Case<LegacySocket>;
}

// ---- tRPC over HTTP ----------------------------------------------------------------------------

interface TrpcErrorBody {
  error?: { json?: { message?: string; data?: { code?: string } } };
}

const trpcInput = (json: unknown, meta?: unknown) => encodeURIComponent(JSON.stringify(meta ? { json, meta } : { json }));

async function trpcHttp(
  connection: HttpConnection,
  token: string,
  request: { method: 'GET' | 'POST'; path: string; body?: string },
): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const response = await connection.request({ ...request, headers });
  const body = JSON.parse(response.body) as TrpcErrorBody;
  return { status: response.status, code: body.error?.json?.data?.code, message: body.error?.json?.message };
}

const trpcQuery = (connection: HttpConnection, token: string, path: string, json: unknown, meta?: unknown) =>
  trpcHttp(connection, token, { method: 'GET', path: `/trpc/${path}?input=${trpcInput(json, meta)}` });
const trpcMutation = (connection: HttpConnection, token: string, path: string, json: unknown) =>
  trpcHttp(connection, token, { method: 'POST', path: `/trpc/${path}`, body: JSON.stringify({ json }) });

// ---- tRPC over WebSocket -----------------------------------------------------------------------

let wsId = 1000;

/** Sends one call and resolves with its answer (code and message when it is an error). */
async function trpcWs(socket: RawTrpcSocket, method: 'query' | 'mutation', path: string, json: unknown, meta?: unknown) {
  const id = ++wsId;
  socket.socket.send(JSON.stringify({ id, method, params: { path, input: meta ? { json, meta } : { json } } }));
  const answer = await vi.waitFor(
    () => {
      const found = socket.messages.find((message) => message.id === id);
      if (!found) throw new Error(`no answer to ${id} yet`);
      return found as typeof found & { error?: { json?: { message?: string } } };
    },
    { timeout: 10_000, interval: 5 },
  );
  return { code: answer.error?.json?.data?.code, message: answer.error?.json?.message };
}

/** A `/trpc` socket announcing connectionParams and sending nothing yet: its error frames (code, message) and close. */
async function openBareTrpcSocket(baseUrl: string) {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/trpc?connectionParams=1`);
  const errors: { code?: string; message?: string }[] = [];
  socket.on('message', (raw) => {
    if (raw.toString() === 'PING') return; // tRPC's keep-alive, not an answer
    const frame = JSON.parse(raw.toString()) as { error?: { json?: { message?: string; data?: { code?: string } } } };
    errors.push({ code: frame.error?.json?.data?.code, message: frame.error?.json?.message });
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, frames: () => errors, closed };
}

// ---- REST --------------------------------------------------------------------------------------

async function rest(connection: HttpConnection, token: string, method: string, path: string, body?: unknown) {
  const response = await connection.request({
    method,
    path,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: response.body === '' ? undefined : (JSON.parse(response.body) as unknown) };
}

// ---- legacy /web -------------------------------------------------------------------------------

let legacyId = 0;

async function legacy(socket: LegacySocket, pkg_id: number, data: unknown): Promise<{ status_code: unknown; msg: unknown; code: unknown }> {
  const req_id = `hostile-${++legacyId}`;
  socket.send({ pkg_id, req_id, data });
  const answer = await socket.next(answerTo(req_id));
  return { status_code: answer.status_code, msg: answer.msg, code: (answer.data as Frame | undefined)?.code };
}

// ---- hostile values ----------------------------------------------------------------------------

const wide = { name: 'Wide Input', pad: Array.from({ length: 2 * MAX_INPUT_NODES }, () => 0) };
const LENIENT_IDS: unknown[] = [true, [1], '0x1', ' 1', 1.5, '1e3'];
const invalidIssue = (path: string[], message: string) => ({ detail: 'Invalid data', issues: [expect.objectContaining({ path, message })] });
const TOO_BIG = { status: 413, body: { detail: 'Request body too large' } };
/** The refusal of invalid input, as each transport words it. */
const httpBadRequest = (message: unknown) => ({ status: 400, code: 'BAD_REQUEST', message });
const wsBadRequest = (message: unknown) => ({ code: 'BAD_REQUEST', message });
const LEGACY_INVALID = { status_code: 2, msg: 'Invalid data', code: 'BAD_REQUEST' };
/** tRPC's message for invalid input is zod's issues as JSON, as a stock tRPC server sends it. */
const unstorable = (field: string) => JSON.stringify([{ code: 'custom', path: [field], message: UNSTORABLE }], null, 2);
const issuesAt = (field: string) =>
  expect.toSatisfy((message: string) => (JSON.parse(message) as { path: unknown[] }[]).every(({ path }) => path.join('.') === field));

/** A row for text PostgreSQL cannot store, sent to a procedure over tRPC and in its REST and legacy forms. */
function unstorableText(
  name: string,
  forms: {
    call: { type: 'query' | 'mutation'; path: string; input: unknown; field: string };
    rest: { method: string; path: string; body?: unknown; field: string };
    legacy?: { pkgId: number; data: unknown };
  },
): Attack {
  const { call, rest: restForm, legacy: legacyForm } = forms;
  const send = call.type === 'query' ? trpcQuery : trpcMutation;
  return {
    name,
    'trpc-http': { send: (http, { tokens }) => send(http, tokens.writer, call.path, call.input), expected: httpBadRequest(unstorable(call.field)) },
    'trpc-ws': { send: (socket) => trpcWs(socket, call.type, call.path, call.input), expected: wsBadRequest(unstorable(call.field)) },
    rest: {
      send: (http, { tokens }) => rest(http, tokens.writer, restForm.method, restForm.path, restForm.body),
      expected: { status: 422, body: invalidIssue([restForm.field], UNSTORABLE) },
    },
    ...(legacyForm && { legacy: { send: (socket: LegacySocket) => legacy(socket, legacyForm.pkgId, legacyForm.data), expected: LEGACY_INVALID } }),
  };
}

const attacks: Attack[] = [
  {
    name: 'a reference bomb (superjson references 30 levels deep)',
    'trpc-http': {
      send: (http, { tokens }) => {
        const { json, meta } = referenceBomb(30);
        return trpcQuery(http, tokens.reader, 'auth.me', json, meta);
      },
      expected: httpBadRequest(TOO_LARGE),
    },
    'trpc-ws': {
      send: (socket) => {
        const { json, meta } = referenceBomb(30);
        return trpcWs(socket, 'query', 'auth.me', json, meta);
      },
      expected: wsBadRequest(TOO_LARGE),
    },
  },
  {
    name: 'a reference cycle',
    'trpc-http': {
      send: (http, { tokens }) => trpcQuery(http, tokens.reader, 'authors.list', REFERENCE_CYCLE.json, REFERENCE_CYCLE.meta),
      expected: httpBadRequest(TOO_LARGE),
    },
    'trpc-ws': {
      send: (socket) => trpcWs(socket, 'query', 'authors.list', REFERENCE_CYCLE.json, REFERENCE_CYCLE.meta),
      expected: wsBadRequest(TOO_LARGE),
    },
  },
  {
    name: 'an input of twice MAX_INPUT_NODES values',
    'trpc-http': {
      // Alone (answered by the single-call path) and in a batch (tRPC's adapter): refused per call.
      send: async (http, { tokens }) => {
        const single = await trpcMutation(http, tokens.writer, 'authors.create', wide);
        const response = await http.request({
          method: 'POST',
          path: '/trpc/authors.create,authors.create?batch=1',
          headers: { authorization: `Bearer ${tokens.writer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ 0: { json: wide }, 1: { json: { ...wide, name: 'Also Wide' } } }),
        });
        const batch = (JSON.parse(response.body) as TrpcErrorBody[]).map((answer) => answer.error?.json?.message);
        return { single, batch: { status: response.status, messages: batch } };
      },
      expected: { single: httpBadRequest(TOO_LARGE), batch: { status: 400, messages: [TOO_LARGE, TOO_LARGE] } },
    },
    'trpc-ws': {
      send: (socket) => trpcWs(socket, 'mutation', 'authors.create', wide),
      expected: wsBadRequest(TOO_LARGE),
    },
    rest: {
      send: (http, { tokens }) => rest(http, tokens.writer, 'POST', '/authors', wide),
      expected: { status: 422, body: { detail: TOO_LARGE, issues: [] } },
    },
    // Legacy data has a fixed, small shape: a large input is always of the wrong shape.
    legacy: {
      send: (socket) => legacy(socket, 3, wide),
      expected: LEGACY_INVALID,
    },
  },
  unstorableText('a NUL character in an author name', {
    call: { type: 'mutation', path: 'authors.create', input: { name: 'a\u0000b' }, field: 'name' },
    rest: { method: 'POST', path: '/authors', body: { name: 'a\u0000b' }, field: 'name' },
    legacy: { pkgId: 3, data: { name: 'a\u0000b' } },
  }),
  unstorableText('a lone surrogate in a search filter', {
    call: { type: 'query', path: 'authors.list', input: { search: 'a\uD800b' }, field: 'search' },
    rest: { method: 'GET', path: '/authors?name=a%00b', field: 'name' },
    legacy: { pkgId: 1, data: { filters: { search_term: 'a\uDC00' } } },
  }),
  unstorableText('a NUL character in a login username', {
    call: { type: 'mutation', path: 'auth.login', input: { username: 'admin\u0000', password: 'admin' }, field: 'username' },
    rest: { method: 'POST', path: '/login', body: { username: 'admin\u0000', password: 'admin' }, field: 'username' },
  }),
  {
    name: 'ids that are not positive decimal integers',
    'trpc-http': {
      send: (http, { tokens }) => Promise.all(LENIENT_IDS.map((id) => trpcQuery(http, tokens.reader, 'authors.byId', { id }))),
      expected: LENIENT_IDS.map(() => httpBadRequest(issuesAt('id'))),
    },
    'trpc-ws': {
      send: (socket) => Promise.all(LENIENT_IDS.map((id) => trpcWs(socket, 'mutation', 'authors.delete', { id }))),
      expected: LENIENT_IDS.map(() => wsBadRequest(issuesAt('id'))),
    },
    rest: {
      send: (http, { tokens }) =>
        Promise.all(['0x1', '%201', '1e3', '1.5', 'true', '+1'].map((id) => rest(http, tokens.reader, 'GET', `/authors/${id}`))),
      expected: Array.from({ length: 6 }, () => ({ status: 422, body: { detail: 'Invalid data', issues: [expect.objectContaining({ path: ['id'] })] } })),
    },
    legacy: {
      send: (socket) => Promise.all(LENIENT_IDS.map((id) => legacy(socket, 5, { id }))),
      expected: LENIENT_IDS.map(() => LEGACY_INVALID),
    },
  },
  {
    name: 'legacy data of the wrong shape',
    legacy: {
      send: (socket) =>
        Promise.all([
          legacy(socket, 1, { filters: 'nope' }),
          legacy(socket, 1, { filters: [1, 2] }),
          legacy(socket, 1, { colour: 'red' }),
          legacy(socket, 2, { page: 1, filters: { nom: 'x' } }),
          legacy(socket, 3, { name: 'Fine Name', extra: true }),
        ]),
      expected: Array.from({ length: 5 }, () => LEGACY_INVALID),
    },
  },
  {
    name: 'a body or frame over the size limit',
    'trpc-http': {
      send: async (http, { tokens }) => {
        const body = JSON.stringify({ json: { name: 'x'.repeat(HUGE) } });
        const response = await http.request({ method: 'POST', path: '/trpc/authors.create', headers: { authorization: `Bearer ${tokens.writer}`, 'content-type': 'application/json' }, body });
        return { status: response.status, body: JSON.parse(response.body) as unknown };
      },
      expected: TOO_BIG,
      closes: true,
    },
    'trpc-ws': {
      send: async (socket) => {
        socket.socket.send(Buffer.alloc(HUGE, 0x20));
        return socket.closed;
      },
      expected: { code: 1009, reason: '' },
      closes: true,
    },
    rest: {
      send: (http, { tokens }) => rest(http, tokens.writer, 'POST', '/authors', { name: 'x'.repeat(HUGE) }),
      expected: TOO_BIG,
      closes: true,
    },
    legacy: {
      send: async (socket) => {
        socket.socket.send(Buffer.alloc(HUGE, 0x20));
        return socket.closed;
      },
      expected: { code: 1009, reason: '' },
      closes: true,
    },
  },
  {
    name: 'a batch over MAX_BATCH_SIZE, refused whole before any call runs',
    'trpc-http': {
      send: async (http, { tokens }) => {
        const calls = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => 'authors.create');
        const input = Object.fromEntries(calls.map((_, index) => [index, { json: { name: `Batched ${index}` } }]));
        const response = await http.request({
          method: 'POST',
          path: `/trpc/${calls.join(',')}?batch=1`,
          headers: { authorization: `Bearer ${tokens.writer}`, 'content-type': 'application/json' },
          body: JSON.stringify(input),
        });
        const body = JSON.parse(response.body) as TrpcErrorBody;
        return { status: response.status, code: body.error?.json?.data?.code, message: body.error?.json?.message };
      },
      expected: httpBadRequest(BATCH_TOO_LARGE),
    },
    'trpc-ws': {
      send: async (socket) => {
        const ids = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => ++wsId);
        socket.socket.send(JSON.stringify(ids.map((id) => ({ id, method: 'mutation', params: { path: 'authors.create', input: { json: { name: `Batched ${id}` } } } }))));
        const answers = await vi.waitFor(() => {
          const found = socket.messages.filter((message) => typeof message.id === 'number' && ids.includes(message.id));
          if (found.length < ids.length) throw new Error('not every call answered yet');
          return found as { error?: { json?: { message?: string; data?: { code?: string } } } }[];
        });
        return new Set(answers.map((answer) => `${answer.error?.json?.data?.code}: ${answer.error?.json?.message}`));
      },
      expected: new Set([`BAD_REQUEST: ${BATCH_TOO_LARGE}`]),
    },
  },
  {
    name: 'a WebSocket that never authenticates (WS_AUTH_TIMEOUT_MS, shared)',
    'trpc-ws': {
      send: async (_, { server }) => {
        const { frames, closed } = await openBareTrpcSocket(server.url);
        return { closed: await closed, errors: frames() };
      },
      expected: { closed: { code: 4001, reason: 'Authentication timeout' }, errors: [{ code: 'UNAUTHORIZED', message: 'Authentication timeout' }] },
    },
    legacy: {
      send: async (_, { server }) => (await openLegacySocket(server.url)).closed,
      expected: { code: 4002, reason: 'Authentication timeout' },
    },
  },
  {
    name: 'a tRPC socket whose first frame is garbage',
    'trpc-ws': {
      send: async (_, { server }) => {
        const { socket, frames, closed } = await openBareTrpcSocket(server.url);
        socket.send('garbage');
        return { closed: await closed, errors: frames() };
      },
      expected: { closed: { code: 1005, reason: '' }, errors: [{ code: 'PARSE_ERROR', message: 'Malformed TRPCConnectionParamsMessage' }] },
    },
  },
  {
    name: 'more subscriptions than WS_MAX_SUBSCRIPTIONS_PER_CONNECTION on one socket',
    'trpc-ws': {
      send: async (socket) => {
        const ids = Array.from({ length: MAX_SUBSCRIPTIONS + 1 }, () => ++wsId);
        for (const id of ids) socket.subscribe(id, 'system.onBroadcast');
        const answers = await vi.waitFor(() => {
          const found = ids.map((id) => socket.messages.find((message) => message.id === id));
          if (found.includes(undefined)) throw new Error('not every subscription answered yet');
          return found;
        });
        for (const id of ids) socket.socket.send(JSON.stringify({ id, method: 'subscription.stop' }));
        return answers.map((answer) => answer?.result?.type ?? `${answer?.error?.json?.data?.code}: ${(answer?.error?.json as { message?: string }).message}`);
      },
      expected: [...Array.from({ length: MAX_SUBSCRIPTIONS }, () => 'started'), `TOO_MANY_REQUESTS: ${TOO_MANY_SUBSCRIPTIONS}`],
    },
  },
  {
    name: 'a forged token (payload changed, signature kept)',
    'trpc-http': {
      send: (http, { tokens }) => trpcQuery(http, tokens.forged, 'auth.me', undefined),
      expected: { status: 401, code: 'UNAUTHORIZED', message: 'Invalid token: bad signature' },
    },
    'trpc-ws': {
      send: async (_, { server, tokens }) => {
        const socket = await openRawTrpcSocket(server.url, tokens.forged);
        const closed = await socket.closed;
        return { closed, errors: socket.messages.map((message) => message.error?.json?.data?.code) };
      },
      expected: { closed: { code: 4001, reason: 'Invalid token: bad signature' }, errors: ['UNAUTHORIZED'] },
    },
    rest: {
      send: (http, { tokens }) => rest(http, tokens.forged, 'GET', '/me'),
      expected: { status: 401, body: { detail: 'Invalid token: bad signature' } },
    },
    legacy: {
      send: async (_, { server, tokens }) => (await openLegacySocket(server.url, tokens.forged)).closed,
      expected: { code: 4001, reason: 'Invalid token: bad signature' },
    },
  },
];

// ---- the transports ----------------------------------------------------------------------------

interface Transport {
  name: TransportName;
  attacks: Attack[];
  /** Sends the attack on a fresh connection, checks the refusal, then that a connection still serves. */
  run(attack: Attack, context: AttackContext): Promise<void>;
}

function transport<C>(
  name: TransportName,
  spec: {
    open(context: AttackContext): Promise<C>;
    /** A valid request; resolves with what identifies the caller. */
    serves(connection: C): Promise<unknown>;
    close(connection: C): void;
    caseOf(attack: Attack): Case<C> | undefined;
  },
): Transport {
  return {
    name,
    attacks: attacks.filter((attack) => spec.caseOf(attack)),
    async run(attack, context) {
      const { send, expected, closes } = spec.caseOf(attack)!;
      const connection = await spec.open(context);
      try {
        expect(await send(connection, context)).toEqual(expected);
        const after = closes ? await spec.open(context) : connection;
        expect(await spec.serves(after)).toBe('writer');
        if (after !== connection) spec.close(after);
      } finally {
        spec.close(connection);
      }
    },
  };
}

const httpTransport = (name: 'trpc-http' | 'rest', serves: (http: HttpConnection, token: string) => Promise<unknown>) =>
  transport<HttpConnection>(name, {
    open: async ({ server }) => openHttpConnection(server.url),
    serves: (http) => serves(http, writerToken),
    close: (http) => http.close(),
    caseOf: (attack) => attack[name],
  });

let writerToken = '';

const transports: Transport[] = [
  httpTransport('trpc-http', async (http, token) => {
    const response = await http.request({ method: 'GET', path: '/trpc/auth.me', headers: { authorization: `Bearer ${token}` } });
    return (JSON.parse(response.body) as { result: { data: { json: { username: string } } } }).result.data.json.username;
  }),
  transport<RawTrpcSocket>('trpc-ws', {
    open: ({ server, tokens }) => openRawTrpcSocket(server.url, tokens.writer),
    serves: async (socket) => {
      const id = ++wsId;
      socket.socket.send(JSON.stringify({ id, method: 'query', params: { path: 'auth.me' } }));
      const answer = await vi.waitFor(() => {
        const found = socket.messages.find((message) => message.id === id) as { result?: { data?: { json?: { username?: string } } } } | undefined;
        if (!found) throw new Error('no answer yet');
        return found;
      });
      return answer.result?.data?.json?.username;
    },
    close: (socket) => socket.socket.close(),
    caseOf: (attack) => attack['trpc-ws'],
  }),
  httpTransport('rest', async (http, token) => {
    const response = await http.request({ method: 'GET', path: '/me', headers: { authorization: `Bearer ${token}` } });
    return (JSON.parse(response.body) as { username: string }).username;
  }),
  transport<LegacySocket>('legacy', {
    open: async ({ server, tokens }) => {
      const socket = await openLegacySocket(server.url, tokens.writer);
      await socket.next((frame) => frame.type === 'auth_ok');
      return socket;
    },
    // GET_AUTHORS answers only a user who holds get-authors, as the writer does.
    serves: async (socket) => ((await legacy(socket, 1, {})).status_code === 0 ? 'writer' : 'refused'),
    close: (socket) => socket.socket.close(),
    caseOf: (attack) => attack.legacy,
  }),
];

describe.skipIf(!hasPostgres)('hostile input', () => {
  let context: AttackContext;
  let seeded: Author;

  beforeAll(async () => {
    const server = await startTestServer({ driver: 'postgres', env: {
        WS_MAX_CONNECTIONS_PER_USER: '50',
        WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: String(MAX_SUBSCRIPTIONS),
        WS_AUTH_TIMEOUT_MS: String(AUTH_TIMEOUT_MS),
      },
    });
    const [admin, writer, reader] = await Promise.all(['admin', 'writer', 'reader'].map((user) => server.tokenFor(user)));
    writerToken = writer!;
    const forged = tamper(reader!, (claims) => ({ ...claims, realm_access: { roles: ['admin'] } }));
    context = { server, tokens: { admin: admin!, writer: writer!, reader: reader!, forged } };
    // Author 1: what a lenient id (`true`, `"0x1"`…) would have reached.
    seeded = await server.app.services.authors.create('Seeded Author');
  });
  afterAll(() => context?.server[Symbol.asyncDispose]());

  describe.each(transports)('over $name', (over) => {
    let heapBefore = 0;
    beforeAll(() => {
      collectGarbage();
      heapBefore = process.memoryUsage().heapUsed;
    });

    it.each(over.attacks)('refuses $name, then serves', async (attack) => {
      await over.run(attack, context);
    });

    it('keeps the heap bounded', () => {
      collectGarbage();
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(HEAP_GROWTH_BOUND);
    });

    it('changed nothing: no author was created or deleted by any of it', async () => {
      expect(await context.server.app.services.authors.list({})).toEqual([seeded]);
    });
  });
});
