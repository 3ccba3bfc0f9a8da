// The legacy WebSocket endpoint `/web`: authenticates a socket (query token or a first auth frame),
// holds it to the per-user connection limit, runs each request frame through the pkg_id table on a
// server-side caller, and pushes author events and broadcasts in the legacy frame format.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { BROADCAST_REQ_ID, LegacyCloseCode, StatusCode, type LegacyResponse } from '@authors/shared';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { User } from '../../auth/user';
import type { Logger } from '../../observability/logger';
import type { ConnectionMetrics } from '../../observability/transport-metrics';
import type { AppRouter } from '../../routers';
import type { ConnectionRegistry } from '../../state/connection-registry';
import type { EventStream, StreamEvent } from '../../state/event-stream';
import type { Context } from '../../trpc/context';
import { errorFrame, parseRequestFrame, procedureErrorFrame, successFrame, type LegacyRequestFrame } from './frames';
import { legacyPackages } from './packages';
import { readAuthFrame } from './auth-frame';

export interface LegacyTransportOptions {
  router: AppRouter;
  /** Verifies a bearer token; rejects when it is invalid or expired. */
  authenticate(token: string): Promise<User>;
  /** The context of one call by `user` on the connection opened by `req`. */
  createContext(req: IncomingMessage, user: User): Context;
  registry: ConnectionRegistry;
  events: EventStream;
  metrics: ConnectionMetrics;
  logger: Logger;
  maxPayload: number;
  authTimeoutMs?: number;
}

export interface LegacyTransport {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  activeConnections(): number;
  close(): Promise<void>;
}

const AUTH_TIMEOUT_MS = 5_000;
/** Requests one connection may have running at once; more are answered with an error, not queued. */
const MAX_IN_FLIGHT = 64;
/** A socket with more unsent bytes than this is not reading: it is cut off rather than buffered. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const AUTH_OK = JSON.stringify({ type: 'auth_ok' });

interface Session {
  user: User;
  connectionId: string;
  inFlight: number;
}

export function createLegacyTransport(options: LegacyTransportOptions): LegacyTransport {
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });
  const sessions = new Map<WebSocket, Session>();
  const authTimeoutMs = options.authTimeoutMs ?? AUTH_TIMEOUT_MS;
  const { metrics, logger } = options;

  const send = (ws: WebSocket, payload: string) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.terminate();
      return;
    }
    ws.send(payload);
    metrics.sent();
  };

  /** Pushes one event to every authenticated socket, serialized once for all of them. */
  const broadcast = ({ event }: StreamEvent) => {
    const frame = JSON.stringify({ pkg_id: 1, req_id: BROADCAST_REQ_ID, data: event });
    for (const ws of sessions.keys()) send(ws, frame);
  };
  const stopBroadcasts = options.events.listen(broadcast);

  async function admit(ws: WebSocket, token: string): Promise<Session | undefined> {
    let user: User;
    try {
      user = await options.authenticate(token);
    } catch {
      metrics.rejected();
      ws.close(LegacyCloseCode.INVALID_TOKEN, 'Invalid token');
      return undefined;
    }
    const connectionId = randomUUID();
    const { allowed } = await options.registry.register(user.sub, connectionId);
    if (!allowed) {
      metrics.rejected();
      ws.close(LegacyCloseCode.POLICY_VIOLATION, 'Maximum concurrent connections exceeded');
      return undefined;
    }
    if (ws.readyState !== ws.OPEN) {
      await options.registry.unregister(user.sub, connectionId);
      return undefined;
    }
    const session: Session = { user, connectionId, inFlight: 0 };
    sessions.set(ws, session);
    metrics.accepted();
    send(ws, AUTH_OK);
    return session;
  }

  async function handle(ws: WebSocket, req: IncomingMessage, session: Session, request: LegacyRequestFrame) {
    const run = legacyPackages[request.pkgId];
    if (!run) {
      send(ws, JSON.stringify(errorFrame(request.pkgId, request.reqId, StatusCode.ERROR, 'NOT_FOUND', `No handler found for pkg_id ${request.pkgId}`)));
      return;
    }
    if (session.inFlight >= MAX_IN_FLIGHT) {
      send(ws, JSON.stringify(errorFrame(request.pkgId, request.reqId, StatusCode.ERROR, 'TOO_MANY_REQUESTS', 'Too many concurrent requests')));
      return;
    }
    session.inFlight++;
    let response: LegacyResponse;
    try {
      const caller = options.router.createCaller(options.createContext(req, session.user));
      const { data, meta } = await run(caller, request.data);
      response = successFrame(request, data, meta);
    } catch (error) {
      response = procedureErrorFrame(request, error);
    } finally {
      session.inFlight--;
    }
    send(ws, JSON.stringify(response));
  }

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const queryToken = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
    let session: Promise<Session | undefined> | undefined = queryToken ? admit(ws, queryToken) : undefined;
    const timer = queryToken
      ? undefined
      : setTimeout(() => ws.close(LegacyCloseCode.AUTH_TIMEOUT, 'Authentication timeout'), authTimeoutMs);

    ws.on('message', (raw: RawData) => {
      metrics.received();
      // Some clients send their JSON in binary frames: both are read as UTF-8 text.
      const text = raw.toString();
      if (!session) {
        clearTimeout(timer);
        const token = readAuthFrame(text);
        if (!token) {
          metrics.rejected();
          ws.close(LegacyCloseCode.INVALID_TOKEN, 'Authentication required');
          return;
        }
        session = admit(ws, token);
        return;
      }
      void session.then((ready) => {
        if (!ready) return;
        const parsed = parseRequestFrame(text);
        if (!parsed.ok) return send(ws, JSON.stringify(parsed.response));
        return handle(ws, req, ready, parsed.request);
      }).catch((error: unknown) => logger.error({ err: error }, 'legacy request failed unexpectedly'));
    });

    ws.on('close', () => {
      clearTimeout(timer);
      const current = sessions.get(ws);
      if (!current) return;
      sessions.delete(ws);
      metrics.closed();
      options.registry.unregister(current.user.sub, current.connectionId).catch((error: unknown) =>
        logger.warn({ err: error }, 'failed to unregister a legacy connection'),
      );
    });
    ws.on('error', () => ws.terminate());
  });

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    activeConnections: () => sessions.size,
    async close() {
      stopBroadcasts();
      for (const ws of wss.clients) ws.close(1012, 'Server restarting');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
