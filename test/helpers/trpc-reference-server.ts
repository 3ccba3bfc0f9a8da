// A stock tRPC server — tRPC's own standalone HTTP adapter and `applyWSSHandler`, nothing of ours in
// the protocol — serving the project's real `appRouter` with the project's context creation on a
// running app's services (same database, Redis, event feed). The differential suite sends it and the
// project's transports the same requests and frames: whatever differs is either a bug of the
// project's copy of the protocol or a documented difference (docs/trpc-compat.md).
import type { Server } from 'node:http';
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
  server: Server;
  /**
   * A graceful shutdown with what tRPC's adapter offers: stop accepting, `broadcastReconnectNotification()`,
   * then close every WebSocket (the adapter has no close code for it); SSE responses, which the adapter
   * has no way to end, are cut as the process exiting would cut them.
   */
  shutdown(): Promise<void>;
  /** WebSocket upgrades seen so far (connection attempts) whose URL contains `marker`. */
  upgrades(marker: string): number;
}

export async function startReferenceServer(
  app: App,
  options: { maxBatchSize: number; maxBodySize: number; keepAlive: { pingMs: number; pongWaitMs: number }; port?: number },
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
  const wsHandler = applyWSSHandler({
    wss,
    router: appRouter,
    maxBatchSize: options.maxBatchSize,
    keepAlive: { enabled: true, ...options.keepAlive },
    createContext: async ({ req, info }) => {
      const token = info.connectionParams?.token;
      if (!token) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Authentication required' });
      try {
        return contexts.forConnection(contexts.describeConnection(req, 'ws'), await app.services.auth.authenticate(token))();
      } catch (error) {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: error instanceof AuthError ? error.message : 'Invalid token', cause: error });
      }
    },
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // Resolves once every connection has ended (at once if the server had already stopped listening).
  const closed = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    upgrades: (marker) => upgrades.filter((url) => url.includes(marker)).length,
    async shutdown() {
      const httpClosed = closed();
      wsHandler.broadcastReconnectNotification();
      await Promise.all([...wss.clients].map((client) => new Promise((resolve) => {
          client.once('close', resolve);
          client.close();
        })));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await httpClosed;
    },
    async [Symbol.asyncDispose]() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await closed();
    },
  };
}
