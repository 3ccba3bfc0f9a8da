// Opens everything the procedures depend on — database, Redis, auth, telemetry, state — and builds
// `Services` from it. The app wires transports on top; closing releases these in reverse order.
import { createAuth, type EmbeddedIssuerInfo } from './auth/create-auth';
import { publicUrl, type Config } from './config';
import { createAuditRepository } from './db/audit-repository';
import { createAuthorRepository } from './db/authors-repository';
import { openDatabase, type Database } from './db/database';
import type { Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { withQueryTiming } from './observability/query-timing';
import { createTelemetry } from './observability/telemetry';
import { rateLimitHitRecorder } from './observability/transport-metrics';
import { SERVER_VERSION } from './observability/version';
import type { Services } from './services';
import { createConnectionRegistry, type ConnectionRegistry } from './state/connection-registry';
import type { EventStream } from './state/event-stream';
import { createMemoryEventStream } from './state/memory-event-stream';
import { createRateLimiter } from './state/rate-limiter';
import { createRateLimitGuard } from './state/rate-limiter-guard';
import { createRedis, waitForRedis, type Redis } from './state/redis';
import { createRedisEventStream } from './state/redis-event-stream';

export interface Resources {
  services: Services;
  database: Database;
  /** Undefined in embedded mode (no REDIS_URL). */
  redis: Redis | undefined;
  metrics: Metrics;
  /** WebSocket connections per user across instances. */
  connections: ConnectionRegistry;
  /** The embedded issuer's endpoints' data; undefined in OIDC mode. */
  embeddedIssuer: EmbeddedIssuerInfo | undefined;
  /** With PORT=0 the issuer URL (`iss`) depends on the port bound by listen(). */
  setBoundPort(port: number): void;
  /** Interrupts every open subscription feed (shutdown has begun): see `EventFeedOptions.shutdown`. */
  beginShutdown(): void;
  /** Writes the queued audit rows, then releases state, database and Redis. */
  close(timeoutMs: number): Promise<void>;
}

export async function openResources(config: Config, logger: Logger): Promise<Resources> {
  const database = await openDatabase(config);
  const redis = createRedis(config);
  const releaseStores = async () => {
    redis?.disconnect();
    await database.close();
  };
  if (redis) {
    // Without this listener ioredis reports every failed reconnect as an unhandled 'error' event.
    redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
    await waitForRedis(redis).catch(async (error: unknown) => {
      await releaseStores();
      throw error;
    });
  }
  let boundPort = config.PORT;
  const auth = await createAuth({
    config,
    db: database.db,
    redis,
    logger,
    publicUrl: () => publicUrl(config, boundPort),
  }).catch(async (error: unknown) => {
    await releaseStores();
    throw error;
  });

  // One registry per app, so several in-process servers never share counters.
  const metrics = createMetrics(SERVER_VERSION);
  const auditLogs = withQueryTiming('audit', createAuditRepository(database), metrics);
  const telemetry = createTelemetry({ logger, metrics, auditRepository: auditLogs, auditQueueMaxBytes: config.AUDIT_QUEUE_MAX_BYTES });
  const recordRateLimitHit = rateLimitHitRecorder(metrics);
  const eventLag = metrics.eventStreamLag.bind({});
  const events: EventStream = redis
    ? await createRedisEventStream(redis, {
        onError: (error) => logger.warn({ err: error }, 'event stream reader error; retrying'),
        onLag: (seconds) => eventLag.observe(seconds),
      })
    : createMemoryEventStream();
  const shutdown = new AbortController();
  const services: Services = {
    authors: withQueryTiming('authors', createAuthorRepository(database), metrics),
    auth: auth.service,
    auditLogs,
    telemetry,
    rateLimits: createRateLimitGuard({
      limiter: createRateLimiter(redis),
      config,
      observer: (type, outcome) => {
        if (outcome === 'limited') recordRateLimitHit(type);
        else if (outcome !== 'allowed') metrics.rateLimitStoreFailures.inc({ limit_type: type, outcome });
      },
    }),
    events,
    shutdownSignal: shutdown.signal,
    limits: { maxInputNodes: config.MAX_INPUT_NODES },
  };
  const connections = createConnectionRegistry(redis, {
    limit: config.WS_MAX_CONNECTIONS_PER_USER,
    onError: (error) => logger.warn({ err: error }, 'connection registry heartbeat failed'),
  });

  return {
    services,
    database,
    redis,
    metrics,
    connections,
    embeddedIssuer: auth.embedded,
    setBoundPort: (port) => void (boundPort = port),
    beginShutdown: () => shutdown.abort(),
    async close(timeoutMs) {
      // In-flight calls have finished and queued their audit rows: write them while the database is open.
      await telemetry.audit.close(timeoutMs);
      await connections.close();
      await events.close();
      await releaseStores();
    },
  };
}
