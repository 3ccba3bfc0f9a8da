// Metrics and audit rows for the same call made over every transport, and the audit queue flushed on
// SIGTERM by a real server process after 500 mutations.
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import type { AppRouter } from '@authors/client';
import postgres from 'postgres';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { answerTo, openLegacySocket } from './helpers/legacy-socket';
import { accessTokenFor, spawnServer } from './helpers/process';
import { parsePrometheus, valueOf } from './helpers/prometheus';
import { startTestServer, type TestServer } from './helpers/server';
import { createTestDatabase, hasPostgres } from './helpers/services';
import { collect } from './helpers/subscriptions';

describe('one call over each transport', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite' });
    const token = await server.tokenFor('writer');

    await server.client(token).authors.create.mutate({ name: 'via http' });

    const wsClient = createWSClient({
      url: `${server.url.replace('http', 'ws')}/trpc`,
      connectionParams: { token },
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    const overWs = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient, transformer: superjson })] });
    await overWs.authors.create.mutate({ name: 'via ws' });
    await wsClient.close();

    const rest = await fetch(`${server.url}/authors`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'via rest' }),
    });
    expect(rest.status).toBe(201);

    const legacy = await openLegacySocket(server.url, token);
    await legacy.next();
    legacy.send({ pkg_id: 3, req_id: 'one', data: { name: 'via legacy' } });
    expect(await legacy.next(answerTo('one'))).toMatchObject({ status_code: 0 });
    legacy.socket.close();

    const sse = server.client(token, { subscriptions: 'sse' });
    const feed = collect((handlers) => sse.authors.onChange.subscribe({}, handlers));
    await feed.started;
    feed.stop();
    await server.app.services.telemetry.audit.flush();
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it('counts the procedure call under each transport label', async () => {
    const metrics = parsePrometheus(await (await fetch(`${server.url}/metrics`)).text());
    for (const transport of ['http', 'ws', 'rest', 'legacy']) {
      expect(valueOf(metrics, 'trpc_calls_total', { path: 'authors.create', type: 'mutation', transport, outcome: 'success' }), transport).toBe(1);
    }
    expect(valueOf(metrics, 'trpc_calls_total', { path: 'authors.onChange', type: 'subscription', transport: 'sse', outcome: 'success' })).toBe(1);
    await vi.waitFor(async () => {
      const now = parsePrometheus(await (await fetch(`${server.url}/metrics`)).text());
      for (const transport of ['ws', 'legacy']) {
        expect(valueOf(now, 'ws_connections_total', { transport, status: 'accepted' }), transport).toBe(1);
        expect(valueOf(now, 'ws_connections_active', { transport }), transport).toBe(0);
      }
    });
    expect(valueOf(metrics, 'ws_messages_received_total', { transport: 'legacy' })).toBe(1);
    // connectionParams and the mutation in; its answer out
    expect(valueOf(metrics, 'ws_messages_received_total', { transport: 'ws' })).toBe(2);
    expect(valueOf(metrics, 'ws_messages_sent_total', { transport: 'ws' })).toBe(1);
    // auth_ok, the answer, and the broadcast of its own author event
    expect(valueOf(metrics, 'ws_messages_sent_total', { transport: 'legacy' })).toBe(3);
  });

  it('writes one audit row per call, saying which transport carried it', async () => {
    const { items } = await server.app.services.auditLogs.page({ action: 'authors.create' }, 0, 10);
    expect(
      items
        .map((row) => ({ transport: row.transport, username: row.username, outcome: row.outcome, data: row.request_data }))
        .sort((x, y) => x.transport.localeCompare(y.transport)),
    ).toEqual(
      ['http', 'legacy', 'rest', 'ws'].map((transport) => ({
        transport,
        username: 'writer',
        outcome: 'success',
        data: { name: `via ${transport}` },
      })),
    );
    expect(new Set(items.map((row) => row.correlation_id)).size).toBe(4);
  });
});

describe.skipIf(!hasPostgres)('audit queue on SIGTERM', () => {
  it('has a row for each of 500 mutations after the process exits', async () => {
    await using database = await createTestDatabase();
    const server = await spawnServer({ DATABASE_URL: database.url });
    await using _server = server;
    const token = await accessTokenFor(server.url, 'writer');
    const create = (i: number) =>
      fetch(`${server.url}/authors`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: `Queued ${i}` }),
      }).then((response) => response.status);
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      statuses.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => create(batch * 50 + i)))));
    }
    expect(statuses.filter((status) => status === 201)).toHaveLength(500);
    expect(await server.stop('SIGTERM')).toBe(0);

    const sql = postgres(database.url, { max: 1 });
    const [row] = await sql<{ count: string }[]>`SELECT count(*) FROM user_actions WHERE action = 'authors.create' AND username = 'writer'`;
    await sql.end();
    expect(Number(row!.count)).toBe(500);
  }, 120_000);
});
