// tRPC over WebSocket at /trpc (queries, mutations, subscriptions) via tRPC's ws adapter, sharing
// the HTTP server's port through the `upgrade` event. The token comes in `connectionParams`
// (`{ token }`): a missing or bad one closes the socket with 4001, a user over the connection limit
// gets 1008, and the socket closes with 4001 when the token expires.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { TRPCError } from '@trpc/server';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { AuthError } from '../auth/errors';
import type { AuthService } from '../auth/auth-service';
import type { AppRouter } from '../routers';
import { wsEncoder } from '../trpc/wire-format';
import type { ContextFactory } from './context-factory';
import { CloseCode, cutOffSlowReaders, type SocketGuard } from './socket-guard';

export interface TrpcWsOptions {
  router: AppRouter;
  contexts: ContextFactory;
  auth: Pick<AuthService, 'authenticate'>;
  guard: SocketGuard;
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
    keepAlive: { enabled: true, pingMs: PING_MS, pongWaitMs: PONG_WAIT_MS },
    // Subscription events are serialized once for all subscribers (see trpc/wire-format.ts).
    experimental_encoder: wsEncoder,
    // Runs once per connection, after the client's connectionParams message.
    async createContext({ req, res: ws, info }) {
      const token = info.connectionParams?.token;
      if (!token) {
        options.guard.refuse(ws, 'Authentication required');
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Authentication required' });
      }
      let user;
      try {
        user = await options.auth.authenticate(token);
      } catch (error) {
        const message = error instanceof AuthError ? error.message : 'Invalid token';
        options.guard.refuse(ws, message);
        throw new TRPCError({ code: 'UNAUTHORIZED', message, cause: error });
      }
      if (!(await options.guard.admit(ws, user))) {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'Maximum concurrent connections exceeded' });
      }
      return options.contexts.forConnection(req, 'ws', user);
    },
  });
  const stopCutOff = cutOffSlowReaders(() => wss.clients);

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    activeConnections: () => wss.clients.size,
    async close() {
      stopCutOff();
      handler.broadcastReconnectNotification();
      for (const client of wss.clients) client.close(CloseCode.SERVER_RESTART, 'Server restarting');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
