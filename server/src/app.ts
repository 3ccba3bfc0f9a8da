// Wires config, database, services, router and transports into one node:http server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import { createAuthorRepository } from './db/authors-repository';
import { openDatabase, type Database } from './db/database';
import type { Logger } from './observability/logger';
import { appRouter } from './routers';
import type { Services } from './services';
import { createRedis, pingRedis, waitForRedis, type Redis } from './state/redis';
import type { Context, Transport } from './trpc/context';
import { createDocsHandlers } from './transports/docs';
import { healthRoute, respondHealth } from './transports/health';
import { createHttpHygiene } from './transports/http-hygiene';
import { sendNotFound } from './transports/http-response';
import { buildOpenApiDocument } from './transports/openapi/document';
import { describeRequest } from './transports/request-info';
import { createRestHandler } from './transports/rest/handler';
import { restRoutes } from './transports/rest/routes';
import { createTrpcHttpHandler } from './transports/trpc-http';
import { SERVER_VERSION } from './version';

export interface App {
  readonly server: Server;
  readonly services: Services;
  readonly database: Database;
  /** Undefined in embedded mode (no REDIS_URL). */
  readonly redis: Redis | undefined;
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Graceful shutdown: stop accepting, let in-flight requests finish, then release resources. */
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
  const services: Services = { authors: createAuthorRepository(database.db) };

  const createContext = async (req: IncomingMessage, transport: Transport): Promise<Context> => ({
    services,
    user: null,
    request: describeRequest(req, transport, config.TRUSTED_PROXIES),
  });

  const trpc = createTrpcHttpHandler({
    router: appRouter,
    createContext: (req) => createContext(req, 'http'),
    maxBodySize: config.MAX_REQUEST_BODY_SIZE,
  });

  const rest = createRestHandler({
    router: appRouter,
    routes: restRoutes,
    createContext: (req) => createContext(req, 'rest'),
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
      activeWebSockets: () => 0,
    });

  const route = (method: string, path: string): Handler | undefined => {
    if (path === '/trpc' || path.startsWith('/trpc/')) return trpc;
    if (path === '/health') return health;
    if (path === '/openapi.json') return docs.openApi;
    if (path === '/docs' || path.startsWith('/docs/')) return docs.docs;
    if (rest.matches(method, path)) return rest.handle;
    return undefined;
  };

  const server = createServer((req, res) => {
    if (hygiene(req, res).handled) return;
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
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

  return {
    server,
    services,
    database,
    redis,
    listen: (port = config.PORT, host = config.HOST) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: async () => {
      await closeHttpServer(server, config.SHUTDOWN_TIMEOUT_MS);
      await database.close();
      redis?.disconnect();
    },
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
