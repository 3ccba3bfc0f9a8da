// Wires the transports onto one node:http server: tRPC over HTTP and WebSocket, REST, the legacy
// WebSocket protocol, the embedded issuer's endpoints, docs, health and metrics.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TRPCError } from '@trpc/server';
import type { Config } from './config';
import type { Database } from './db/database';
import { EndpointTemplates } from './observability/endpoint-templates';
import { createHttpObserver } from './observability/http-metrics';
import type { Logger } from './observability/logger';
import { connectionMetrics } from './observability/transport-metrics';
import { SERVER_VERSION } from './observability/version';
import { openResources } from './resources';
import { appRouter } from './routers';
import type { Services } from './services';
import type { ConnectionRegistry } from './state/connection-registry';
import { pingRedis, type Redis } from './state/redis';
import { buildAsyncApiDocument } from './transports/asyncapi/document';
import { createAsyncApiHandlers } from './transports/asyncapi/page';
import { createContextFactory } from './transports/context-factory';
import { createDocsHandlers } from './transports/docs';
import { healthRoute, respondHealth } from './transports/health';
import { createHttpHygiene } from './transports/http-hygiene';
import { respondIndex } from './transports/index-page';
import { createLegacyTransport } from './transports/legacy/transport';
import { sendNotFound } from './transports/http-response';
import { metricsRoute, respondMetrics } from './transports/metrics';
import { buildOpenApiDocument } from './transports/openapi/document';
import { createOidcEndpoints } from './transports/oidc-endpoints';
import { bearerTokenOf } from './transports/request-auth';
import { createRestHandler } from './transports/rest/handler';
import { restRoutes } from './transports/rest/routes';
import { createSocketGuard } from './transports/socket-guard';
import { createTrpcHttpHandler, trpcEndpointTemplates } from './transports/trpc-http';
import { createTrpcWsTransport } from './transports/trpc-ws/transport';
import { createWebAppHandler, WEB_APP_PATH } from './transports/web-app';
import type { Context } from './trpc/context';
import { INTERNAL_ERROR_MESSAGE, publicErrorOf, reportOnce } from './trpc/error-policy';

export interface App {
  readonly server: Server;
  readonly services: Services;
  readonly database: Database;
  /** Undefined in embedded mode (no REDIS_URL). */
  readonly redis: Redis | undefined;
  /** WebSocket connections per user across instances, for the WebSocket transports. */
  readonly connections: ConnectionRegistry;
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /**
   * Graceful shutdown: stop accepting, tell WebSocket clients to reconnect elsewhere, let in-flight
   * requests finish, write the queued audit rows, then release resources. Idempotent.
   */
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export async function createApp(config: Config, logger: Logger): Promise<App> {
  const resources = await openResources(config, logger);
  const { services, database, redis, metrics, connections } = resources;
  const contexts = createContextFactory(services, config.TRUSTED_PROXIES);

  // Failures inside a procedure call were logged by the call middleware; this catches the rest (a
  // subscription failing after its call returned, a context or session that could not be built).
  const logUnexpectedTrpcError = (error: TRPCError, ctx: Context | undefined) => {
    if (!publicErrorOf(error).unexpected) return;
    const { correlationId, transport } = ctx?.request ?? {};
    reportOnce(logger, error, { correlationId, transport }, 'tRPC request failed unexpectedly');
  };
  const trpc = createTrpcHttpHandler({
    router: appRouter,
    createContext: (req, res, info) =>
      contexts.forRequest({ req, res, transport: info.type === 'subscription' ? 'sse' : 'http', token: bearerTokenOf(req, info) }),
    maxBodySize: config.MAX_REQUEST_BODY_SIZE,
    maxBatchSize: config.MAX_BATCH_SIZE,
    onError: logUnexpectedTrpcError,
  });
  const trpcWsMetrics = connectionMetrics(metrics, 'ws');
  const trpcWs = createTrpcWsTransport({
    router: appRouter,
    contexts,
    auth: services.auth,
    guard: createSocketGuard({ registry: connections, metrics: trpcWsMetrics, logger }),
    metrics: trpcWsMetrics,
    limits: {
      maxPayload: config.WS_MAX_PAYLOAD,
      maxBatchSize: config.MAX_BATCH_SIZE,
      maxSubscriptions: config.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      authTimeoutMs: config.WS_AUTH_TIMEOUT_MS,
      pingMs: config.WS_PING_MS,
      pongWaitMs: config.WS_PONG_WAIT_MS,
    },
    onError: logUnexpectedTrpcError,
  });
  const legacyMetrics = connectionMetrics(metrics, 'legacy');
  const legacy = createLegacyTransport({
    router: appRouter,
    auth: services.auth,
    contexts,
    guard: createSocketGuard({ registry: connections, metrics: legacyMetrics, logger }),
    metrics: legacyMetrics,
    logger,
    maxPayload: config.WS_MAX_PAYLOAD,
    authTimeoutMs: config.WS_AUTH_TIMEOUT_MS,
  });
  const rest = createRestHandler({
    router: appRouter,
    routes: restRoutes,
    createContext: (req, res) => contexts.forRequest({ req, res, transport: 'rest', token: bearerTokenOf(req) }),
    maxBodySize: config.MAX_REQUEST_BODY_SIZE,
    // Failures inside the procedure call were logged by the call middleware; this catches the rest.
    onUnexpectedError: (error, restRoute, res) => {
      const correlationId = res.getHeader('X-Correlation-ID');
      reportOnce(logger, error, { procedure: restRoute.procedure, correlationId }, 'REST request failed unexpectedly');
    },
  });
  // Built once at start-up: a route naming a missing procedure or field fails here, not at request time.
  const docs = createDocsHandlers(buildOpenApiDocument(appRouter, restRoutes, [healthRoute, metricsRoute], SERVER_VERSION));
  const asyncApi = createAsyncApiHandlers(buildAsyncApiDocument(appRouter, SERVER_VERSION));
  const webApp = createWebAppHandler();
  const hygiene = createHttpHygiene(config, logger);
  const oidcEndpoints = resources.embeddedIssuer
    ? createOidcEndpoints({
        ...resources.embeddedIssuer,
        realm: config.OIDC_REALM,
        clientId: config.OIDC_CLIENT_ID,
        clientSecret: config.OIDC_CLIENT_SECRET,
        router: appRouter,
        createContext: (req) => contexts.forRequest({ req, transport: 'rest', token: undefined }),
      })
    : undefined;

  const health: Handler = (_req, res) =>
    respondHealth(res, {
      pingDatabase: database.ping,
      ...(redis ? { pingRedis: () => pingRedis(redis) } : {}),
      activeWebSockets: () => trpcWs.activeConnections() + legacy.activeConnections(),
    });
  const metricsEndpoint: Handler = (_req, res) => respondMetrics(res, metrics.registry);

  const route = (method: string, path: string): Handler | undefined => {
    if (path === '/trpc' || path.startsWith('/trpc/')) return trpc;
    if (path === '/') return respondIndex;
    if (path === '/health') return health;
    if (path === '/metrics') return metricsEndpoint;
    if (path === '/openapi.json') return docs.openApi;
    if (path === '/docs' || path.startsWith('/docs/')) return docs.docs;
    if (path === '/asyncapi.json') return asyncApi.document;
    if (path === '/asyncapi' || path.startsWith('/asyncapi/')) return asyncApi.page;
    if (path === WEB_APP_PATH || path.startsWith(`${WEB_APP_PATH}/`)) return webApp;
    if (rest.matches(method, path)) return rest.handle;
    return oidcEndpoints?.(path);
  };
  const endpoints = new EndpointTemplates().register('/health').register('/metrics');
  for (const template of trpcEndpointTemplates(appRouter)) endpoints.register(template);
  for (const restRoute of restRoutes) endpoints.register(restRoute.path);
  const observeHttp = createHttpObserver(metrics, endpoints);

  const server = createServer((req, res) => {
    if (hygiene(req, res).handled) return;
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    observeHttp(req, res, path);
    const handler = route(req.method ?? 'GET', path) ?? ((_, response: ServerResponse) => sendNotFound(response));
    // Started inside a promise so that a handler throwing synchronously is answered 500 too,
    // instead of escaping the request listener and taking the process down.
    new Promise<void>((resolve) => resolve(handler(req, res))).catch((error: unknown) => {
      reportOnce(logger, error, { path, correlationId: res.getHeader('X-Correlation-ID') }, 'unhandled error in HTTP handler');
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ detail: INTERNAL_ERROR_MESSAGE }));
    });
  });

  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/trpc' || path === '/trpc/') return trpcWs.handleUpgrade(req, socket, head);
    if (path === '/web') return legacy.handleUpgrade(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  let closing: Promise<void> | undefined;
  return {
    server,
    services,
    database,
    redis,
    connections,
    listen: (port = config.PORT, host = config.HOST) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          resources.setBoundPort(address.port);
          resolve(address);
        });
      }),
    close: () =>
      (closing ??= (async () => {
        const httpClosed = closeHttpServer(server, config.SHUTDOWN_TIMEOUT_MS);
        resources.beginShutdown();
        await Promise.all([trpcWs.close(config.SHUTDOWN_TIMEOUT_MS), legacy.close(config.SHUTDOWN_TIMEOUT_MS)]);
        await httpClosed;
        await resources.close(config.SHUTDOWN_TIMEOUT_MS);
      })()),
  };
}

/** How long sockets that go idle during a shutdown are left for the peer to close (see closeHttpServer). */
const IDLE_SOCKET_GRACE_MS = 1_000;

/**
 * Stops accepting and waits for in-flight requests, bounded in time. Every answer from then on says
 * `Connection: close`, and sockets that go idle are closed only after a grace period: a proxy that pooled
 * one either sends on it meanwhile (and gets that answer) or stops using it, instead of racing the
 * server's close with a request it is already sending (nginx does not replay a POST: it would be a 502).
 * After the grace, idle sockets are swept so clients (an EventSource's pool) reconnect elsewhere.
 */
async function closeHttpServer(server: Server, timeoutMs: number): Promise<void> {
  if (!server.listening) return;
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => res.setHeader('Connection', 'close'));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  let sweeper: NodeJS.Timeout | undefined;
  const grace = setTimeout(() => {
    server.closeIdleConnections();
    sweeper = setInterval(() => server.closeIdleConnections(), 50);
  }, IDLE_SOCKET_GRACE_MS);
  const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
  await closed;
  clearTimeout(grace);
  clearInterval(sweeper);
  clearTimeout(deadline);
}
