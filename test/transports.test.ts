// One scenario table, run over every transport: tRPC-HTTP, tRPC-WS, REST and the legacy `/web`
// protocol must give the same results for the same author calls, because they call the same procedures.
import { createTRPCClient, createWSClient, wsLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@authors/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { answerTo, openLegacySocket, type LegacySocket } from './helpers/legacy-socket';
import { startTestServer, type TestServer } from './helpers/server';

type User = 'writer' | 'reader';
type Outcome = { ok: unknown } | { error: string };

/** One transport's way of making each author call; results normalized to plain JSON. */
interface Adapter {
  list(filter: { name?: string; search?: string; id?: number }): Promise<Outcome>;
  paginated(input: { page?: number; per_page?: number; filters?: { name?: string } }): Promise<Outcome>;
  byId(id: number): Promise<Outcome>;
  create(name: string): Promise<Outcome>;
  update(id: number, name: string): Promise<Outcome>;
  remove(id: number): Promise<Outcome>;
  close(): void;
}

const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

async function viaTrpc(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: json(await call()) };
  } catch (error) {
    if (error instanceof TRPCClientError) return { error: (error.data as { code: string }).code };
    throw error;
  }
}

const trpcAdapter = (client: ReturnType<TestServer['client']>, close = () => {}): Adapter => ({
  list: (filter) => viaTrpc(() => client.authors.list.query(filter)),
  paginated: (input) => viaTrpc(() => client.authors.paginated.query(input)),
  byId: (id) => viaTrpc(() => client.authors.byId.query({ id })),
  create: (name) => viaTrpc(() => client.authors.create.mutate({ name })),
  update: (id, name) => viaTrpc(() => client.authors.update.mutate({ id, name })),
  remove: (id) => viaTrpc(async () => (await client.authors.delete.mutate({ id }), 'deleted')),
  close,
});

const REST_ERRORS: Record<number, string> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 422: 'BAD_REQUEST' };

function restAdapter(url: string, token: string): Adapter {
  const call = async (method: string, path: string, body?: unknown): Promise<Outcome> => {
    const response = await fetch(url + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (response.status === 204) return { ok: 'deleted' };
    if (response.ok) return { ok: await response.json() };
    return { error: REST_ERRORS[response.status] ?? `HTTP ${response.status}` };
  };
  const query = (params: Record<string, unknown>) =>
    new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString();
  return {
    list: (filter) => call('GET', `/authors?${query(filter)}`),
    paginated: ({ filters, ...rest }) => call('GET', `/authors/paginated?${query({ ...rest, ...filters })}`),
    byId: (id) => call('GET', `/authors/${id}`),
    create: (name) => call('POST', '/authors', { name }),
    update: (id, name) => call('PUT', `/authors/${id}`, { name }),
    remove: (id) => call('DELETE', `/authors/${id}`),
    close: () => {},
  };
}

function legacyAdapter(socket: LegacySocket): Adapter {
  let seq = 0;
  const call = async (pkg_id: number, data: unknown, shape: (frame: Record<string, unknown>) => unknown = (f) => f.data) => {
    const req_id = `t-${++seq}`;
    socket.send({ pkg_id, req_id, data });
    const frame = await socket.next(answerTo(req_id));
    return frame.status_code === 0 ? { ok: shape(frame) } : { error: (frame.data as { code: string }).code };
  };
  return {
    list: (filter) => call(1, { filters: filter }),
    paginated: (input) => call(2, input, (frame) => ({ items: frame.data, meta: frame.meta })),
    byId: (id) => call(1, { id }, (frame) => (frame.data as unknown[])[0]),
    create: (name) => call(3, { name }),
    update: (id, name) => call(4, { id, name }),
    remove: (id) => call(5, { id }, () => 'deleted'),
    close: () => socket.socket.close(),
  };
}

const transports: Record<string, (server: TestServer, token: string) => Promise<Adapter>> = {
  'tRPC-HTTP': async (server, token) => trpcAdapter(server.client(token)),
  'tRPC-WS': async (server, token) => {
    const wsClient = createWSClient({
      url: `${server.url.replace('http', 'ws')}/trpc`,
      connectionParams: { token },
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient, transformer: superjson })] });
    return trpcAdapter(client, () => void wsClient.close());
  },
  REST: async (server, token) => restAdapter(server.url, token),
  'legacy WS': async (server, token) => {
    const socket = await openLegacySocket(server.url, token);
    await socket.next();
    return legacyAdapter(socket);
  },
};

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const author = (id: number, name: string) => ({ id, name, created_at: ISO, updated_at: ISO });

/** [caller, call, expected outcome]: the same table for every transport. */
const scenario: [User, (api: Adapter) => Promise<Outcome>, Outcome][] = [
  ['writer', (api) => api.create('Ada Lovelace'), { ok: author(1, 'Ada Lovelace') }],
  ['writer', (api) => api.create('  Alan Turing  '), { ok: author(2, 'Alan Turing') }],
  ['writer', (api) => api.create('100% Grace_Hopper'), { ok: author(3, '100% Grace_Hopper') }],
  ['writer', (api) => api.create('Ada Lovelace'), { error: 'CONFLICT' }],
  ['writer', (api) => api.create('   '), { error: 'BAD_REQUEST' }],
  ['reader', (api) => api.create('Not Allowed'), { error: 'FORBIDDEN' }],
  ['reader', (api) => api.list({ name: 'A' }), { ok: [author(1, 'Ada Lovelace'), author(2, 'Alan Turing'), author(3, '100% Grace_Hopper')] }],
  ['reader', (api) => api.list({ search: 'lovelace' }), { ok: [author(1, 'Ada Lovelace')] }],
  ['reader', (api) => api.list({ name: '%' }), { ok: [author(3, '100% Grace_Hopper')] }],
  ['reader', (api) => api.list({ name: 'e_H' }), { ok: [author(3, '100% Grace_Hopper')] }],
  ['reader', (api) => api.list({ id: 2 }), { ok: [author(2, 'Alan Turing')] }],
  ['reader', (api) => api.byId(2), { ok: author(2, 'Alan Turing') }],
  [
    'reader',
    (api) => api.paginated({ page: 2, per_page: 2 }),
    { ok: { items: [author(3, '100% Grace_Hopper')], meta: { page: 2, per_page: 2, total: 3, pages: 2, next_cursor: null, has_more: false } } },
  ],
  [
    'reader',
    (api) => api.paginated({ per_page: 5, filters: { name: 'al' } }),
    { ok: { items: [author(2, 'Alan Turing')], meta: { page: 1, per_page: 5, total: 1, pages: 1, next_cursor: null, has_more: false } } },
  ],
  ['writer', (api) => api.update(2, 'Alan M. Turing'), { ok: author(2, 'Alan M. Turing') }],
  ['writer', (api) => api.update(2, 'Ada Lovelace'), { error: 'CONFLICT' }],
  ['writer', (api) => api.update(99, 'Nobody'), { error: 'NOT_FOUND' }],
  ['reader', (api) => api.remove(1), { error: 'FORBIDDEN' }],
  ['writer', (api) => api.remove(1), { ok: 'deleted' }],
  ['writer', (api) => api.remove(1), { error: 'NOT_FOUND' }],
  ['reader', (api) => api.list({}), { ok: [author(2, 'Alan M. Turing'), author(3, '100% Grace_Hopper')] }],
];

describe.each(Object.keys(transports))('author scenarios over %s', (transport) => {
  let server: TestServer;
  const apis = {} as Record<User, Adapter>;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite' });
    for (const user of ['writer', 'reader'] as const) {
      apis[user] = await transports[transport]!(server, await server.tokenFor(user));
    }
  });
  afterAll(async () => {
    for (const api of Object.values(apis)) api.close();
    await server?.[Symbol.asyncDispose]();
  });

  it('gives the results of the shared scenario table, step by step', async () => {
    for (const [index, [user, step, expected]] of scenario.entries()) {
      expect(await step(apis[user]), `step ${index + 1} as ${user}`).toEqual(expected);
    }
  });
});
