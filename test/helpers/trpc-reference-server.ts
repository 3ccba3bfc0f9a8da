// A stock tRPC server — tRPC's own standalone HTTP adapter and `applyWSSHandler`, nothing of ours in
// the protocol — serving the project's real `appRouter` with the project's context creation on a
// running app's services (same database, Redis, event feed). The differential suite sends it and the
// project's transports the same requests and frames: whatever differs is either a bug of the
// project's copy of the protocol or a documented difference (docs/trpc-compat.md).
import type { AddressInfo } from 'node:net';
import { TRPCError } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import type { App } from '@authors/server';
import { AuthError } from '../../server/src/auth/errors';
import { appRouter } from '../../server/src/routers';
import { createContextFactory } from '../../server/src/transports/context-factory';
import { bearerTokenOf } from '../../server/src/transports/request-auth';

export interface ReferenceServer extends AsyncDisposable {
  url: string;
  /** WebSocket upgrades seen so far (connection attempts) whose URL contains `marker`. */
  upgrades(marker: string): number;
}

export async function startReferenceServer(
  app: App,
  options: { maxBatchSize: number; maxBodySize: number; keepAlive: { pingMs: number; pongWaitMs: number } },
): Promise<ReferenceServer> {
  const contexts = createContextFactory(app.services, []);
  const server = createHTTPServer({
    router: appRouter,
    basePath: '/trpc/',
    maxBatchSize: options.maxBatchSize,
    maxBodySize: options.maxBodySize,
    createContext: ({ req, res, info }) =>
      contexts.forRequest({ req, res, transport: info.type === 'subscription' ? 'sse' : 'http', token: bearerTokenOf(req, info) }),
  });
  const wss = new WebSocketServer({ server });
  const upgrades: string[] = [];
  server.on('upgrade', (req: { url?: string }) => upgrades.push(req.url ?? ''));
  // What the project's WebSocket transport does on connect, as a createContext that throws.
  applyWSSHandler({
    wss,
    router: appRouter,
    maxBatchSize: options.maxBatchSize,
    keepAlive: { enabled: true, ...options.keepAlive },
    createContext: async ({ req, info }) => {
      const token = info.connectionParams?.token;
      if (!token) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Authentication required' });
      try {
        return contexts.forConnection(req, 'ws', await app.services.auth.authenticate(token))();
      } catch (error) {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: error instanceof AuthError ? error.message : 'Invalid token', cause: error });
      }
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    upgrades: (marker) => upgrades.filter((url) => url.includes(marker)).length,
    async [Symbol.asyncDispose]() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
