// tRPC over WebSocket at /trpc (queries, mutations, subscriptions) via tRPC's ws adapter, sharing
// the HTTP server's port through the `upgrade` event.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { applyWSSHandler, type CreateWSSContextFnOptions } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import type { AppRouter } from '../routers';
import type { Context } from '../trpc/context';

export interface TrpcWsOptions {
  router: AppRouter;
  createContext(options: CreateWSSContextFnOptions): Promise<Context>;
  maxPayload: number;
}

export interface TrpcWsTransport {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  activeConnections(): number;
  /** Tells every client to reconnect (to another instance), then closes the sockets. */
  close(): Promise<void>;
}

const PING_MS = 30_000;
const PONG_WAIT_MS = 10_000;

export function createTrpcWsTransport(options: TrpcWsOptions): TrpcWsTransport {
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });
  const handler = applyWSSHandler({
    wss,
    router: options.router,
    createContext: options.createContext,
    keepAlive: { enabled: true, pingMs: PING_MS, pongWaitMs: PONG_WAIT_MS },
  });

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    activeConnections: () => wss.clients.size,
    async close() {
      handler.broadcastReconnectNotification();
      for (const client of wss.clients) client.close(1012, 'Server restarting');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
