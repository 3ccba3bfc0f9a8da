// What tRPC-over-WebSocket enforces on sockets: a token at connect (4001), RBAC on subscriptions
// (WS and SSE), the per-user connection limit (1008), expiry (4001), and cutting off a client that
// stops reading so server memory stays bounded.
import { TRPCClientError } from '@authors/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openRawTrpcSocket } from './helpers/raw-trpc-socket';
import { startTestServer, type TestServer } from './helpers/server';
import { collect } from './helpers/subscriptions';

const until = (check: () => void, timeout = 10_000) => vi.waitFor(check, { timeout, interval: 20 });

describe('tRPC WebSocket guard', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite', env: { WS_MAX_CONNECTIONS_PER_USER: '2', ACCESS_TOKEN_TTL: '3' } });
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it('closes a socket without a token, or with a bad one, with 4001', async () => {
    const anonymous = await openRawTrpcSocket(server.url);
    expect(await anonymous.closed).toEqual({ code: 4001, reason: 'Authentication required' });
    const forged = await openRawTrpcSocket(server.url, 'not.a.jwt');
    expect(await forged.closed).toEqual({ code: 4001, reason: 'Invalid token: malformed' });
    expect(forged.messages[0]?.error?.json?.data?.code).toBe('UNAUTHORIZED');
  });

  it.each(['ws', 'sse'] as const)('refuses onChange to a user without get-authors over %s', async (subscriptions) => {
    const nobody = await server.clientAs('nobody', undefined, { subscriptions });
    const feed = collect((handlers) => nobody.authors.onChange.subscribe({}, handlers));
    await until(() => expect(feed.errors).toHaveLength(1));
    feed.stop();
    const [error] = feed.errors;
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as { data?: { code?: string } }).data?.code).toBe('FORBIDDEN');
  });

  it('holds the per-user connection limit and frees a slot when a socket closes', async () => {
    const { access_token: token } = await server.login('reader');
    const { sub } = await server.client(token).auth.me.query();
    const first = await openRawTrpcSocket(server.url, token);
    const second = await openRawTrpcSocket(server.url, token);
    first.subscribe(1, 'authors.onChange');
    second.subscribe(1, 'authors.onChange');
    await until(() => expect([first.messages.length, second.messages.length]).toEqual([1, 1]));
    const third = await openRawTrpcSocket(server.url, token);
    expect(await third.closed).toEqual({ code: 1008, reason: 'Maximum concurrent connections exceeded' });

    first.socket.close();
    await first.closed;
    await until(async () => expect(await server.app.connections.count(sub)).toBe(1));
    const fourth = await openRawTrpcSocket(server.url, token);
    fourth.subscribe(1, 'authors.onChange');
    await until(() => expect(fourth.messages[0]?.result?.type).toBe('started'));
    second.socket.close();
    fourth.socket.close();
  });

  it('closes the socket with 4001 when its token expires', async () => {
    const { access_token: token, expires_in } = await server.login('writer');
    expect(expires_in).toBe(3);
    const socket = await openRawTrpcSocket(server.url, token);
    socket.subscribe(1, 'authors.onChange');
    expect(await socket.closed).toEqual({ code: 4001, reason: 'Token expired' });
  });

  it('cuts off a subscriber that stops reading instead of buffering for it', async () => {
    const { access_token: token } = await server.login('admin');
    const slow = await openRawTrpcSocket(server.url, token);
    slow.subscribe(1, 'system.onBroadcast');
    await until(() => expect(slow.messages[0]?.result?.type).toBe('started'));
    // Stop reading: the kernel buffers fill, then the server's send buffer grows.
    const tcp = (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    const message = 'x'.repeat(4096);
    const activeSockets = async () =>
      ((await (await fetch(`${server.url}/health`)).json()) as { websocket: { active_connections: number } }).websocket
        .active_connections;
    for (let i = 0; i < 5000 && (await activeSockets()) > 0; i += 100) {
      for (let j = 0; j < 100; j++) await server.app.services.events.publish({ type: 'broadcast', message, from: 'admin' });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await activeSockets()).toBe(0);
    tcp.resume();
    expect((await slow.closed).code).toBe(1006); // terminated, no close handshake
  });
});
