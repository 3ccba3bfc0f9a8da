// The legacy WebSocket endpoint `/web`: authenticates a socket (query token or a first auth frame),
// holds it to the per-user connection limit, runs each request frame through the pkg_id table on a
// server-side caller, and pushes author events and broadcasts in the legacy frame format through
// the same caller's subscriptions (pushes.ts), so the procedures' rules decide what it receives.
//
// A graceful shutdown drains each socket: it stops reading, answers every request already read, then
// closes with 1012. A request that got no answer before a 1012 close was never run, so a client may
// send it again after reconnecting (client/src/legacy-client.ts does). Requests still running at the
// shutdown deadline get a 1001 close instead: they may or may not have run.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { LegacyCloseCode, StatusCode, type LegacyResponse } from '@authors/shared';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { AuthError } from '../../auth/errors';
import type { AuthService } from '../../auth/auth-service';
import { encodeJson } from '../../json/encode-json';
import type { User } from '../../auth/user';
import type { Logger } from '../../observability/logger';
import type { ConnectionMetrics } from '../../observability/transport-metrics';
import type { AppRouter } from '../../routers';
import type { Context } from '../../trpc/context';
import { publicErrorOf, reportOnce } from '../../trpc/error-policy';
import type { ConnectionInfo, ContextFactory } from '../context-factory';
import { acceptUpgrade, sendText, type OutgoingText } from '../shared-frame';
import { CloseCode, leaveFrameErrorsToWs, MAX_BUFFERED_BYTES, type SocketGuard } from '../socket-guard';
import { readAuthFrame } from './auth-frame';
import { errorFrame, parseRequestFrame, procedureErrorFrame, successFrame, type LegacyRequestFrame } from './frames';
import { preparePackage, type Caller } from './packages';
import { subscribePushes } from './pushes';

export interface LegacyTransportOptions {
  router: AppRouter;
  auth: Pick<AuthService, 'authenticate'>;
  contexts: ContextFactory;
  guard: SocketGuard;
  metrics: ConnectionMetrics;
  logger: Logger;
  maxPayload: number;
  /** How long a socket without a query token may wait before its auth frame (close 4002 after). */
  authTimeoutMs: number;
}

export interface LegacyTransport {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  activeConnections(): number;
  /** Drains every socket (see the header), waiting at most `timeoutMs` for the requests running on them. */
  close(timeoutMs: number): Promise<void>;
}

/** Requests one connection may have running at once; more are answered with an error, not queued. */
const MAX_IN_FLIGHT = 64;
const AUTH_OK = JSON.stringify({ type: 'auth_ok' });

/**
 * An authenticated socket. Each call on it gets its own context (and correlation id), and the
 * `closed` signal, which aborts when the socket closes (ending the push subscriptions).
 */
interface Session {
  contexts: () => Context;
  closed: AbortSignal;
  /**
   * Runs the pkg_id table's procedures; made at the first request, as its proxies (one per path
   * walked, ~300 B each) are all an idle socket would keep it for.
   */
  caller: Caller | undefined;
  inFlight: number;
}

/** Requests read on one socket and not answered yet: a drain waits for none to be left. */
interface Unanswered {
  count: number;
  onNone: (() => void) | undefined;
}

export function createLegacyTransport(options: LegacyTransportOptions): LegacyTransport {
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });
  const sessions = new Map<WebSocket, Session>();
  const unanswered = new Map<WebSocket, Unanswered>();
  const { metrics, logger, authTimeoutMs } = options;

  /** Writes one frame; false when the socket is closed or was cut off for not reading. */
  const write = (ws: WebSocket, payload: OutgoingText): boolean => {
    if (ws.readyState !== ws.OPEN) return false;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.terminate();
      return false;
    }
    sendText(ws, payload);
    return true;
  };
  const send = (ws: WebSocket, payload: OutgoingText) => {
    if (write(ws, payload)) metrics.sent();
  };

  const callerOf = (session: Session) => (session.caller ??= options.router.createCaller(session.contexts, { signal: session.closed }));

  async function admit(ws: WebSocket, connection: ConnectionInfo, token: string): Promise<Session | undefined> {
    let user: User;
    try {
      user = await options.auth.authenticate(token);
    } catch (error) {
      options.guard.refuse(ws, error instanceof AuthError ? error.message : 'Invalid token');
      return undefined;
    }
    if (!(await options.guard.admit(ws, user))) return undefined;
    const closed = new AbortController();
    const session: Session = { contexts: options.contexts.forConnection(connection, user), closed: closed.signal, caller: undefined, inFlight: 0 };
    sessions.set(ws, session);
    // 'close' comes once: `on` spares the wrapper `once` would add to every socket.
    ws.on('close', () => {
      sessions.delete(ws);
      closed.abort();
    });
    try {
      // Live before auth_ok, so a client that acts on auth_ok misses no event. The caller is only
      // for subscribing: the feeds keep the context and signal, not it.
      await subscribePushes(options.router.createCaller(session.contexts, { signal: session.closed }), {
        send: (frame) => send(ws, frame),
        fail: (error) => {
          logger.warn({ err: error }, 'legacy push feed failed; closing the socket');
          ws.close(CloseCode.INTERNAL_ERROR, 'Push feed failed');
        },
      });
    } catch (error) {
      logger.error({ err: error }, 'legacy push subscriptions failed');
      ws.close(CloseCode.INTERNAL_ERROR, 'Push subscriptions failed');
      return undefined;
    }
    send(ws, AUTH_OK);
    return session;
  }

  /** The frame of a failed request; a failure the call middleware has not logged yet is logged here. */
  function failureFrame(request: LegacyRequestFrame, cause: unknown) {
    const error = publicErrorOf(cause);
    if (error.unexpected) {
      reportOnce(logger, cause, { pkgId: request.pkgId, reqId: request.reqId }, 'legacy request failed unexpectedly');
    }
    return procedureErrorFrame(request, error);
  }

  async function handle(ws: WebSocket, session: Session, request: LegacyRequestFrame) {
    let run: ReturnType<typeof preparePackage>;
    try {
      run = preparePackage(request.pkgId, request.data);
    } catch (error) {
      send(ws, encodeJson(failureFrame(request, error))!);
      return;
    }
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
      const { data, meta } = await run(callerOf(session));
      response = successFrame(request, data, meta);
    } catch (error) {
      response = failureFrame(request, error);
    } finally {
      session.inFlight--;
    }
    send(ws, encodeJson(response)!);
  }

  /** Closes `ws` with 1012 once every request read on it is answered, or with 1001 at the deadline. */
  async function drain(ws: WebSocket, deadline: Promise<void>) {
    const requests = unanswered.get(ws);
    // Frames not read yet stay unread: they were never run, and the client will see 1012.
    ws.pause();
    const answered = new Promise<void>((resolve) => {
      if (!requests || requests.count === 0) return resolve();
      requests.onNone = resolve;
    });
    const drained = await Promise.race([answered.then(() => true), deadline.then(() => false)]);
    if (drained) ws.close(CloseCode.SERVER_RESTART, 'Server restarting');
    else ws.close(CloseCode.GOING_AWAY, 'Server restarting; requests were still running');
    // Read the client's close frame; any request after ours is ignored (see 'message').
    ws.resume();
  }

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const requests: Unanswered = { count: 0, onNone: undefined };
    unanswered.set(ws, requests);
    // Nothing below keeps `req` (see ConnectionInfo).
    const connection = options.contexts.describeConnection(req, 'legacy');
    const queryToken = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
    let session: Promise<Session | undefined> | undefined = queryToken ? admit(ws, connection, queryToken) : undefined;
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
          options.guard.refuse(ws, 'Authentication required');
          return;
        }
        session = admit(ws, connection, token);
        return;
      }
      // Read after the close frame went out: not run, so that a 1012 close keeps its promise.
      if (ws.readyState !== ws.OPEN) return;
      requests.count++;
      void session
        .then((ready) => {
          if (!ready) return;
          const parsed = parseRequestFrame(text);
          if (!parsed.ok) return send(ws, JSON.stringify(parsed.response));
          return handle(ws, ready, parsed.request);
        })
        .catch((error: unknown) => logger.error({ err: error }, 'legacy request failed unexpectedly'))
        .finally(() => {
          if (--requests.count === 0) requests.onNone?.();
        });
    });

    ws.on('close', () => {
      clearTimeout(timer);
      unanswered.delete(ws);
    });
    leaveFrameErrorsToWs(ws);
  });

  return {
    handleUpgrade(req, socket, head) {
      acceptUpgrade(wss, req, socket, head);
    },
    activeConnections: () => sessions.size,
    async close(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      for (const ws of wss.clients) void drain(ws, deadline);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      clearTimeout(timer);
    },
  };
}
