// Wires config, database, services, router and transports into one node:http server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuth } from './auth/create-auth';
import { publicUrl, type Config } from './config';
import { createAuthorRepository } from './db/authors-repository';
import { openDatabase, type Database } from './db/database';
import type { Logger } from './observability/logger';
import { appRouter } from './routers';
import type { Services } from './services';
import { createRedis, pingRedis, waitForRedis, type Redis } from './state/redis';
import type { Context, Transport } from './trpc/context';
import { respondHealth } from './transports/health';
import { sendNotFound } from './transports/http-response';
import { createOidcEndpoints } from './transports/oidc-endpoints';
import { callerOf } from './transports/request-auth';
import { describeRequest } from './transports/request-info';
import { createTrpcHttpHandler } from './transports/trpc-http';

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
  // With PORT=0 the issuer URL (`iss`) depends on the port bound by listen().
  let boundPort = config.PORT;
  const auth = await createAuth({
    config,
    db: database.db,
    redis,
    logger,
    publicUrl: () => publicUrl(config, boundPort),
  }).catch(async (error: unknown) => {
    redis?.disconnect();
    await database.close();
    throw error;
  });
  const services: Services = { authors: createAuthorRepository(database.db), auth: auth.service };

  const createContext = async (req: IncomingMessage, transport: Transport = 'http'): Promise<Context> => ({
    services,
    ...(await callerOf(req, services.auth)),
    request: describeRequest(req, transport, config.TRUSTED_PROXIES),
  });

  const trpc = createTrpcHttpHandler({
    router: appRouter,
    createContext,
    maxBodySize: config.MAX_REQUEST_BODY_SIZE,
  });

  const oidcEndpoints = auth.embedded
    ? createOidcEndpoints({
        ...auth.embedded,
        realm: config.OIDC_REALM,
        clientId: config.OIDC_CLIENT_ID,
        clientSecret: config.OIDC_CLIENT_SECRET,
        router: appRouter,
        createContext: (req) => createContext(req, 'rest'),
      })
    : undefined;

  const health: Handler = (_req, res) =>
    respondHealth(res, {
      pingDatabase: database.ping,
      ...(redis ? { pingRedis: () => pingRedis(redis) } : {}),
      activeWebSockets: () => 0,
    });

  const route = (path: string): Handler | undefined => {
    if (path === '/trpc' || path.startsWith('/trpc/')) return trpc;
    if (path === '/health') return health;
    const oidc = oidcEndpoints?.(path);
    if (oidc) return oidc;
    return undefined;
  };

  const server = createServer((req, res) => {
    const info = describeRequest(req, 'http', config.TRUSTED_PROXIES);
    res.setHeader('X-Correlation-ID', info.correlationId);
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const handler = route(path) ?? ((_, response: ServerResponse) => sendNotFound(response));
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      logger.error({ err: error, path }, 'unhandled error in HTTP handler');
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
          const address = server.address() as AddressInfo;
          boundPort = address.port;
          resolve(address);
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
