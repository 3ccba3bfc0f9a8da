// The tRPC WebSocket protocol as the project's transport serves it, frame by frame from a bare
// socket: what the standard client relies on (started/data/stopped, tracked ids, batches, PING),
// and what a misbehaving client gets (parse errors, a missing id, a duplicate subscription id, an
// unknown procedure) while the connection keeps serving.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openRawTrpcSocket, type RawTrpcSocket } from './helpers/raw-trpc-socket';
import { startTestServer, type TestServer } from './helpers/server';

const until = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 20 });

describe('tRPC WebSocket protocol', () => {
  let server: TestServer;
  let raw: RawTrpcSocket;
  const text: string[] = [];
  const framesFor = (id: number) => raw.messages.filter((message) => message.id === id);

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite' });
    raw = await openRawTrpcSocket(server.url, await server.tokenFor('admin'));
    raw.socket.on('message', (data) => text.push(data.toString()));
  });
  afterAll(async () => {
    raw?.socket.close();
    await server?.[Symbol.asyncDispose]();
  });

  const send = (message: unknown) => raw.socket.send(typeof message === 'string' ? message : JSON.stringify(message));

  it('answers a query, and a batch of calls each under its own id', async () => {
    send({ id: 1, method: 'query', params: { path: 'authors.paginated', input: { json: { per_page: 1 } } } });
    await until(() => expect(framesFor(1)).toHaveLength(1));
    expect(framesFor(1)[0]).toMatchObject({ id: 1, result: { type: 'data', data: { json: { items: [], meta: { total: 0 } } } } });

    send([
      { id: 2, jsonrpc: '2.0', method: 'mutation', params: { path: 'authors.create', input: { json: { name: 'Ada' } } } },
      { id: 3, method: 'query', params: { path: 'auth.me', input: { json: undefined } } },
    ]);
    await until(() => expect([framesFor(2).length, framesFor(3).length]).toEqual([1, 1]));
    expect(framesFor(2)[0]).toMatchObject({ id: 2, jsonrpc: '2.0', result: { type: 'data', data: { json: { name: 'Ada' } } } });
    expect(framesFor(3)[0]).toMatchObject({ id: 3, result: { data: { json: { username: 'admin' } } } });
  });

  it('streams a subscription: started, tracked data, stopped on subscription.stop', async () => {
    send({ id: 10, method: 'subscription', params: { path: 'system.onBroadcast', input: { json: undefined } } });
    await until(() => expect(framesFor(10)).toEqual([{ id: 10, result: { type: 'started' } }]));

    await server.clientAs('admin').then((admin) => admin.system.broadcast.mutate({ message: 'hello' }));
    await until(() => expect(framesFor(10)).toHaveLength(2));
    const data = framesFor(10)[1] as { result: { type: string; id: string; data: { json: { id: string; data: unknown } } } };
    expect(data.result.type).toBe('data');
    expect(data.result.id).toMatch(/^\d+-\d+$/);
    expect(data.result.data.json).toEqual({ id: data.result.id, data: { type: 'broadcast', message: 'hello', from: 'admin' } });

    send({ id: 10, method: 'subscription.stop' });
    await until(() => expect(framesFor(10)).toHaveLength(3));
    expect(framesFor(10)[2]).toEqual({ id: 10, result: { type: 'stopped' } });
  });

  it('replays from lastEventId given in params, as wsLink sends it on reconnect', async () => {
    const admin = await server.clientAs('admin');
    const first = await admin.authors.create.mutate({ name: 'Replay one' });
    send({ id: 20, method: 'subscription', params: { path: 'authors.onChange', input: { json: {} } } });
    await until(() => expect(framesFor(20)).toHaveLength(1));
    await admin.authors.update.mutate({ id: first.id, name: 'Replay two' });
    await admin.authors.update.mutate({ id: first.id, name: 'Replay three' });
    await until(() => expect(framesFor(20)).toHaveLength(3));
    const firstId = (framesFor(20)[1] as unknown as { result: { id: string } }).result.id;
    send({ id: 20, method: 'subscription.stop' });

    send({ id: 21, method: 'subscription', params: { path: 'authors.onChange', input: { json: {} }, lastEventId: firstId } });
    await until(() => expect(framesFor(21)).toHaveLength(2));
    expect(framesFor(21)[1]).toMatchObject({ result: { data: { json: { data: { type: 'updated', author: { name: 'Replay three' } } } } } });
    send({ id: 21, method: 'subscription.stop' });
    await until(() => expect(framesFor(21)).toHaveLength(3));
  });

  it('answers PING with PONG', async () => {
    const before = text.length;
    send('PING');
    await until(() => expect(text.slice(before)).toContain('PONG'));
  });

  it('answers malformed frames with a PARSE_ERROR and keeps serving', async () => {
    const errorsBefore = raw.messages.filter((message) => message.id === null).length;
    send('{not json');
    send({ id: null, method: 'query', params: { path: 'auth.me' } });
    send({ id: 30, method: 'nonsense' });
    await until(() => expect(raw.messages.filter((message) => message.id === null)).toHaveLength(errorsBefore + 3));
    for (const message of raw.messages.filter((candidate) => candidate.id === null).slice(errorsBefore)) {
      expect(message.error?.json?.data?.code).toBe('PARSE_ERROR');
    }
    send({ id: 31, method: 'query', params: { path: 'auth.me', input: { json: undefined } } });
    await until(() => expect(framesFor(31)).toHaveLength(1));
    expect(framesFor(31)[0]?.result?.type).toBe('data');
  });

  it('refuses an unknown procedure and a subscription id already in use', async () => {
    send({ id: 40, method: 'query', params: { path: 'authors.nope', input: { json: undefined } } });
    await until(() => expect(framesFor(40)).toHaveLength(1));
    expect(framesFor(40)[0]?.error?.json?.data?.code).toBe('NOT_FOUND');

    send({ id: 41, method: 'subscription', params: { path: 'system.onBroadcast', input: { json: undefined } } });
    send({ id: 41, method: 'subscription', params: { path: 'system.onBroadcast', input: { json: undefined } } });
    await until(() => expect(framesFor(41)).toHaveLength(2));
    expect(framesFor(41).map((message) => message.result?.type ?? message.error?.json?.data?.code).sort()).toEqual([
      'BAD_REQUEST',
      'started',
    ]);
    send({ id: 41, method: 'subscription.stop' });
    await until(() => expect(framesFor(41)).toHaveLength(3));
  });

  it('gives each call on one connection its own correlation id', async () => {
    await server.app.services.telemetry.audit.flush();
    const { items } = await server.app.services.auditLogs.page({ action: 'authors.create', username: 'admin' }, 0, 10);
    const overWs = items.filter((row) => row.transport === 'ws');
    expect(overWs.length).toBeGreaterThanOrEqual(1);
    const { items: calls } = await server.app.services.auditLogs.page({ username: 'admin' }, 0, 100);
    const wsCorrelationIds = calls.filter((row) => row.transport === 'ws').map((row) => row.correlation_id);
    expect(new Set(wsCorrelationIds).size).toBe(wsCorrelationIds.length);
  });
});
