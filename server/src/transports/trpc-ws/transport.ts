// tRPC over WebSocket at /trpc (queries, mutations, subscriptions), sharing the HTTP server's port
// through the `upgrade` event. The token comes in `connectionParams` (`{ token }`): a missing or bad
// one closes the socket with 4001, a user over the connection limit gets 1008, and the socket closes
// with 4001 when the token expires; each refusal is preceded by tRPC's error frame for the connection
// (`id: null`: UNAUTHORIZED, or FORBIDDEN over the limit), so the standard client backs off before
// reconnecting. A socket that announces connectionParams and sends none within WS_AUTH_TIMEOUT_MS is
// refused the same way. The protocol itself is served per socket by connection.ts.
// On shutdown each socket gets tRPC's `reconnect` notification, then is closed with 1012 once its
// queries and mutations in flight are answered (bounded by the shutdown timeout): @trpc/client's
// wsLink keeps a call on the socket it was sent on and fails it if that socket closes first.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { getErrorShape, TRPCError } from '@trpc/server';
import { WebSocketServer, type WebSocket } from 'ws';
import { AuthError } from '../../auth/errors';
import type { AuthService } from '../../auth/auth-service';
import type { ConnectionMetrics } from '../../observability/transport-metrics';
import type { AppRouter } from '../../routers';
import type { Context } from '../../trpc/context';
import type { ConnectionInfo, ContextFactory } from '../context-factory';
import { acceptUpgrade } from '../shared-frame';
import { CloseCode, cutOffSlowReaders, leaveFrameErrorsToWs, TOO_MANY_CONNECTIONS, type SocketGuard } from '../socket-guard';
import { serveConnection, type ConnectionActivity, type ConnectionLimits, type OpenSession } from './connection';
import { createFrameEncoder } from './frames';
import { keepConnectionsAlive, type KeepAliveOptions } from './keep-alive';

export interface TrpcWsOptions {
  router: AppRouter;
  contexts: ContextFactory;
  auth: Pick<AuthService, 'authenticate'>;
  guard: SocketGuard;
  metrics: ConnectionMetrics;
  limits: ConnectionLimits & KeepAliveOptions & { maxPayload: number };
  /** Every error the sockets answer (before a call, in a call, in a subscription), for logging. */
  onError(error: TRPCError, ctx: Context | undefined): void;
}

export interface TrpcWsTransport {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  activeConnections(): number;
  /** Tells every client to reconnect (to another instance), then closes each socket once its calls are answered, within `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
}

const RECONNECT = JSON.stringify({ id: null, method: 'reconnect' });
const TOKEN_EXPIRED = 'Token expired';

export function createTrpcWsTransport(options: TrpcWsOptions): TrpcWsTransport {
  const { router, contexts, auth, guard, metrics, limits } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayload });
  const frames = createFrameEncoder(router._def._config);
  const connections = new Map<WebSocket, ConnectionActivity>();
  /** What an authenticated socket is told when its token expires, just before the 4001 close. */
  const expiredFrame = frames.encode({
    id: null,
    error: getErrorShape({
      config: router._def._config,
      error: new TRPCError({ code: 'UNAUTHORIZED', message: TOKEN_EXPIRED }),
      type: 'unknown',
      path: undefined,
      input: undefined,
      ctx: undefined,
    }),
  });
  const send = (ws: WebSocket, frame: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(frame, { binary: false });
    metrics.sent();
  };

  const openSessionFor =
    (ws: WebSocket, connection: ConnectionInfo): OpenSession =>
    async (connectionParams) => {
      const token = connectionParams?.token;
      if (!token) {
        guard.refuse(ws, 'Authentication required');
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Authentication required' });
      }
      let user;
      try {
        user = await auth.authenticate(token);
      } catch (error) {
        const message = error instanceof AuthError ? error.message : 'Invalid token';
        guard.refuse(ws, message);
        throw new TRPCError({ code: 'UNAUTHORIZED', message, cause: error });
      }
      const admitted = await guard.admit(ws, user, () => send(ws, expiredFrame));
      if (!admitted) throw new TRPCError({ code: 'FORBIDDEN', message: TOO_MANY_CONNECTIONS });
      return contexts.forConnection(connection, user);
    };

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const expectsConnectionParams = new URL(req.url ?? '/', 'http://localhost').searchParams.get('connectionParams') === '1';
    const activity = serveConnection(ws, {
      router,
      frames,
      metrics,
      limits,
      // Nothing keeps `req` past this point (see ConnectionInfo).
      openSession: openSessionFor(ws, contexts.describeConnection(req, 'ws')),
      refuse: (reason) => guard.refuse(ws, reason),
      expectsConnectionParams,
      onError: options.onError,
    });
    connections.set(ws, activity);
    // 'close' comes once: `on` spares the wrapper `once` would add to every socket.
    ws.on('close', () => connections.delete(ws));
    leaveFrameErrorsToWs(ws);
  });

  const stopKeepAlive = keepConnectionsAlive(connections, limits);
  const stopCutOff = cutOffSlowReaders(() => wss.clients);

  return {
    handleUpgrade(req, socket, head) {
      acceptUpgrade(wss, req, socket, head);
    },
    activeConnections: () => wss.clients.size,
    async close(timeoutMs) {
      stopKeepAlive();
      stopCutOff();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      for (const ws of wss.clients) {
        if (ws.readyState === ws.OPEN) ws.send(RECONNECT);
        const activity = connections.get(ws);
        const answered = new Promise<void>((resolve) => {
          if (!activity || activity.callsInFlight === 0) return resolve();
          activity.onCallsAnswered = resolve;
        });
        void Promise.race([answered, deadline]).then(() => ws.close(CloseCode.SERVER_RESTART, 'Server restarting'));
      }
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      clearTimeout(timer);
    },
  };
}
