// Wires config, database, services, router and transports into one node:http server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import { createAuditRepository } from './db/audit-repository';
import { createAuthorRepository } from './db/authors-repository';
import { openDatabase, type Database } from './db/database';
import { EndpointTemplates } from './observability/endpoint-templates';
import { createHttpObserver } from './observability/http-metrics';
import type { Logger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import { withQueryTiming } from './observability/query-timing';
import { createTelemetry } from './observability/telemetry';
import { rateLimitHitRecorder } from './observability/transport-metrics';
import { SERVER_VERSION } from './observability/version';
import { appRouter } from './routers';
import type { Services } from './services';
import type { EventStream } from './state/event-stream';
import { createMemoryEventStream } from './state/memory-event-stream';
import { createConnectionRegistry, type ConnectionRegistry } from './state/connection-registry';
import { createRateLimiter } from './state/rate-limiter';
import { createRateLimitGuard } from './state/rate-limiter-guard';
import { createRedis, pingRedis, waitForRedis, type Redis } from './state/redis';
import { createRedisEventStream } from './state/redis-event-stream';
import type { Context, Transport } from './trpc/context';
import { createDocsHandlers } from './transports/docs';
import { healthRoute, respondHealth } from './transports/health';
import { createHttpHygiene } from './transports/http-hygiene';
import { responseHeadersOf, sendNotFound } from './transports/http-response';
import { respondMetrics } from './transports/metrics';
import { buildOpenApiDocument } from './transports/openapi/document';
import { describeRequest } from './transports/request-info';
import { createRestHandler } from './transports/rest/handler';
import { restRoutes } from './transports/rest/routes';
import { createTrpcHttpHandler, trpcEndpointTemplates } from './transports/trpc-http';
import { createTrpcWsTransport } from './transports/trpc-ws';

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
   * Graceful shutdown: stop accepting, let in-flight requests finish, write the queued audit rows,
   * then release resources. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export async function createApp(config: Config, logger: Logger): Promise<App> {
  const database = await openDatabase(config);
  const redis = createRedis(config);
  if (redis) {
    // Without this listener ioredis reports every failed reconnect as an unhandled 'error' event.
    redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
    await waitForRedis(redis).catch(async (error: unknown) => {
      redis.disconnect();
      await database.close();
      throw error;
    });
  }
  // One registry per app; transports get `metrics` (and register their route templates) from here.
  const metrics = createMetrics(SERVER_VERSION);
  const auditLogs = withQueryTiming('audit', createAuditRepository(database.db), metrics);
  const telemetry = createTelemetry({ logger, metrics, auditRepository: auditLogs });
  const recordRateLimitHit = rateLimitHitRecorder(metrics);
  const events: EventStream = redis
    ? await createRedisEventStream(redis, {
        onError: (error) => logger.warn({ err: error }, 'event stream reader error; retrying'),
      })
    : createMemoryEventStream();
  // Aborted when shutdown begins, ending every open subscription so its client reconnects elsewhere.
  const shutdown = new AbortController();
  const services: Services = {
    authors: withQueryTiming('authors', createAuthorRepository(database.db), metrics),
    auditLogs,
    telemetry,
    rateLimits: createRateLimitGuard({
      limiter: createRateLimiter(redis),
      config,
      observer: (type, outcome) => outcome === 'limited' && recordRateLimitHit(type),
    }),
    events,
    shutdownSignal: shutdown.signal,
  };
  const connections = createConnectionRegistry(redis, {
    limit: config.WS_MAX_CONNECTIONS_PER_USER,
    onError: (error) => logger.warn({ err: error }, 'connection registry heartbeat failed'),
  });

  const createContext = async (
    req: IncomingMessage,
    transport: Transport,
    res?: ServerResponse,
  ): Promise<Context> => ({
    services,
    user: null,
    request: describeRequest(req, transport, config.TRUSTED_PROXIES),
    ...(res ? { response: responseHeadersOf(res) } : {}),
  });

  const trpc = createTrpcHttpHandler({
    router: appRouter,
    createContext: (req, res) => createContext(req, 'http', res),
    maxBodySize: config.MAX_REQUEST_BODY_SIZE,
  });

  const trpcWs = createTrpcWsTransport({
    router: appRouter,
    maxPayload: config.WS_MAX_PAYLOAD,
    createContext: ({ req }) => createContext(req, 'ws'),
  });
  const rest = createRestHandler({
    router: appRouter,
    routes: restRoutes,
    createContext: (req, res) => createContext(req, 'rest', res),
    maxBodySize: config.MAX_REQUEST_BODY_SIZE,
    onServerError: (error, restRoute) =>
      logger.error({ err: error.cause ?? error, procedure: restRoute.procedure }, 'REST procedure failed'),
  });
  // Built once at start-up: a route naming a missing procedure or field fails here, not at request time.
  const docs = createDocsHandlers(buildOpenApiDocument(appRouter, restRoutes, [healthRoute], SERVER_VERSION));
  const hygiene = createHttpHygiene(config, logger);

  const health: Handler = (_req, res) =>
    respondHealth(res, {
      pingDatabase: database.ping,
      ...(redis ? { pingRedis: () => pingRedis(redis) } : {}),
      activeWebSockets: () => trpcWs.activeConnections(),
    });

  const metricsEndpoint: Handler = (_req, res) => respondMetrics(res, metrics.registry);

  const route = (method: string, path: string): Handler | undefined => {
    if (path === '/trpc' || path.startsWith('/trpc/')) return trpc;
    if (path === '/health') return health;
    if (path === '/metrics') return metricsEndpoint;
    if (path === '/openapi.json') return docs.openApi;
    if (path === '/docs' || path.startsWith('/docs/')) return docs.docs;
    if (rest.matches(method, path)) return rest.handle;
    return undefined;
  };
  const endpoints = new EndpointTemplates().register('/health').register('/metrics');
  for (const template of trpcEndpointTemplates(appRouter)) endpoints.register(template);
  const observeHttp = createHttpObserver(metrics, endpoints);

  const server = createServer((req, res) => {
    if (hygiene(req, res).handled) return;
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    observeHttp(req, res, path);
    const handler = route(req.method ?? 'GET', path) ?? ((_, response: ServerResponse) => sendNotFound(response));
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      logger.error(
        { err: error, path, correlation_id: res.getHeader('X-Correlation-ID') },
        'unhandled error in HTTP handler',
      );
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ detail: 'Internal server error' }));
    });
  });

  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/trpc' || path === '/trpc/') return trpcWs.handleUpgrade(req, socket, head);
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
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () =>
      (closing ??= (async () => {
        const httpClosed = closeHttpServer(server, config.SHUTDOWN_TIMEOUT_MS);
        shutdown.abort();
        await trpcWs.close();
        await httpClosed;
        // In-flight calls have finished and queued their audit rows: write them while the database is open.
        await telemetry.audit.close(config.SHUTDOWN_TIMEOUT_MS);
        await connections.close();
        await events.close();
        await database.close();
        redis?.disconnect();
      })()),
  };
}

/** Stops accepting, waits for in-flight requests (closing keep-alive sockets as they go idle), bounded in time. */
async function closeHttpServer(server: Server, timeoutMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const sweeper = setInterval(() => server.closeIdleConnections(), 50);
  const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
  server.closeIdleConnections();
  await closed;
  clearInterval(sweeper);
  clearTimeout(deadline);
}
