// What `/web` sockets are pushed, and to whom: each socket subscribes through the procedures a tRPC
// client would (`authors.onChange`, `system.onBroadcast`) on its own server-side caller, so their
// rules hold — `nobody` (no roles) gets broadcasts but no author events, which `authors.list`
// refuses them too. An event's frame is built once for every socket.
import { BROADCAST_REQ_ID } from '@authors/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../server/src/routers';
import { subscribePushes } from '../server/src/transports/legacy/pushes';
import type { SharedFrame } from '../server/src/transports/shared-frame';
import { createCallerFactory } from '../server/src/trpc/init';
import { openLegacySocket } from './helpers/legacy-socket';
import { startTestServer, type TestServer } from './helpers/server';
import { hasPostgres } from './helpers/services';

const isBroadcast = (frame: Record<string, unknown>) => (frame.data as { type?: string } | undefined)?.type === 'broadcast';

describe.skipIf(!hasPostgres)('legacy pushes', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'postgres' });
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it('sends author events only to users holding get-authors, and broadcasts to every signed-in user', async () => {
    const [reader, nobody] = await Promise.all(['reader', 'nobody'].map(async (user) => openLegacySocket(server.url, await server.tokenFor(user))));
    for (const socket of [reader!, nobody!]) expect(await socket.next()).toEqual({ type: 'auth_ok' });

    const admin = await server.clientAs('admin');
    const created = await admin.authors.create.mutate({ name: 'Only For Readers' });
    await admin.system.broadcast.mutate({ message: 'hello everyone' });
    // Events reach a socket in stream order: once the broadcast is there, an author event would be too.
    await Promise.all([reader!.next(isBroadcast), nobody!.next(isBroadcast)]);

    const broadcast = { pkg_id: 1, req_id: BROADCAST_REQ_ID, data: { type: 'broadcast', message: 'hello everyone', from: 'admin' } };
    const authorEvent = {
      pkg_id: 1,
      req_id: BROADCAST_REQ_ID,
      data: {
        type: 'created',
        author: { ...created, created_at: created.created_at.toISOString(), updated_at: created.updated_at.toISOString() },
      },
    };
    expect(reader!.frames.slice(1)).toEqual([authorEvent, broadcast]);
    expect(nobody!.frames.slice(1)).toEqual([broadcast]);
    for (const socket of [reader!, nobody!]) socket.socket.close();
  });

  it('builds each event’s frame once, for every socket', async () => {
    const user = { sub: 'u-1', username: 'reader', roles: ['get-authors'] };
    const received: SharedFrame[][] = [[], []];
    const stop = new AbortController();
    await Promise.all(
      received.map((frames) =>
        subscribePushes(
          createCallerFactory(appRouter)(
            { services: server.app.services, user, request: { transport: 'legacy', ip: '127.0.0.1', userAgent: undefined, correlationId: 'c' } },
            { signal: stop.signal },
          ),
          { send: (frame) => frames.push(frame), fail: (error) => { throw error; } },
        ),
      ),
    );
    await (await server.clientAs('writer')).authors.create.mutate({ name: 'Shared Frame' });
    await expect.poll(() => received.map((frames) => frames.length)).toEqual([1, 1]);
    expect(received[0]![0]).toBe(received[1]![0]);
    expect(JSON.parse(received[0]![0]!.payload.toString())).toMatchObject({ pkg_id: 1, data: { type: 'created', author: { name: 'Shared Frame' } } });
    stop.abort();
  });
});
