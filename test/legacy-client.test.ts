// The typed LegacyClient against a real server: requests typed by pkg_id, errors, broadcasts, both
// auth styles, and reconnecting by itself after its connection is killed.
import { LegacyClient, LegacyConnectionError, LegacyRequestError, PkgID, type LegacyBroadcastData } from '@authors/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from './helpers/server';
import { startTcpProxy } from './helpers/tcp-proxy';

const WebSocketImpl = WebSocket as unknown as typeof globalThis.WebSocket;

describe('LegacyClient', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite' });
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it('makes typed requests and receives broadcasts', async () => {
    const client = await LegacyClient.connect({ url: server.url, token: await server.tokenFor('writer'), WebSocket: WebSocketImpl });
    const events: LegacyBroadcastData[] = [];
    client.onBroadcast((data) => events.push(data));
    const created = await client.request(PkgID.CREATE_AUTHOR, { name: 'Typed Legacy' });
    expect(created.data).toMatchObject({ id: 1, name: 'Typed Legacy' });
    expect(typeof created.data.created_at).toBe('string');
    const page = await client.request(PkgID.GET_PAGINATED_AUTHORS, { per_page: 1 });
    expect(page.meta).toEqual({ page: 1, per_page: 1, total: 1, pages: 1, next_cursor: null, has_more: false });
    await expect(client.request(PkgID.DELETE_AUTHOR, { id: 99 })).rejects.toMatchObject({
      name: 'LegacyRequestError',
      statusCode: 1,
      data: { code: 'NOT_FOUND', msg: 'Author 99 not found' },
    });
    await vi.waitFor(() => expect(events).toEqual([{ type: 'created', author: created.data }]));
    client.close();
  });

  it('authenticates with a first auth frame, and reports a refused token with its close code', async () => {
    const reader = await LegacyClient.connect({ url: server.url, token: await server.tokenFor('reader'), auth: 'frame', WebSocket: WebSocketImpl });
    const refused = await reader.request(PkgID.CREATE_AUTHOR, { name: 'No' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LegacyRequestError);
    expect(refused).toMatchObject({ statusCode: 3, message: 'Missing required role: create-author' });
    reader.close();
    const forged = await LegacyClient.connect({ url: server.url, token: 'forged', WebSocket: WebSocketImpl }).catch((error: unknown) => error);
    expect(forged).toBeInstanceOf(LegacyConnectionError);
    expect(forged).toMatchObject({ code: 4001 });
  });

  it('reconnects by itself after its connection is killed', async () => {
    await using proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(server.url).port) });
    const client = await LegacyClient.connect({ url: proxy.url(server.url), token: await server.tokenFor('reader'), WebSocket: WebSocketImpl });
    expect((await client.request(PkgID.GET_AUTHORS, {})).data).toHaveLength(1);
    proxy.cut();
    proxy.restore();
    await vi.waitFor(async () => expect((await client.request(PkgID.GET_AUTHORS, {})).data).toHaveLength(1), { timeout: 10_000, interval: 200 });
    client.close();
  });
});
