// The HTTP path of a small tRPC call, assembled from the server's own pieces as app.ts assembles
// them (hygiene, HTTP metrics, the tRPC-HTTP transport, the context factory with the verified-token
// cache), around a stand-in `authors.create` that answers without a database and logs one line as
// the call middleware does. bench/http-path-cost.ts measures what the server spends per request on
// this path; only the procedure's own work (SQL, audit, rate limit) is left out.
import type { RequestListener } from 'node:http';
import { pino } from 'pino';
import { z } from 'zod';
import { cacheVerifiedTokens } from '../server/src/auth/verified-token-cache';
import type { User } from '../server/src/auth/user';
import { loadConfig } from '../server/src/config';
import { EndpointTemplates } from '../server/src/observability/endpoint-templates';
import { createHttpObserver } from '../server/src/observability/http-metrics';
import { createLogger, unredacted } from '../server/src/observability/logger';
import { createMetrics } from '../server/src/observability/metrics';
import type { AppRouter } from '../server/src/routers';
import type { Services } from '../server/src/services';
import { createContextFactory } from '../server/src/transports/context-factory';
import { createHttpHygiene } from '../server/src/transports/http-hygiene';
import { bearerTokenOf } from '../server/src/transports/request-auth';
import { createTrpcHttpHandler, trpcEndpointTemplates } from '../server/src/transports/trpc-http';
import { baseProcedure, router } from '../server/src/trpc/init';

export function createHttpPathListener(): RequestListener {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info' });
  // Production's logger and buffered writer, writing to /dev/null.
  const logger = createLogger(config, pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 }));
  const user: User = { sub: 'bench', username: 'bench', roles: ['create-author'], expiresAt: Math.floor(Date.now() / 1000) + 3600 };
  const authenticate = cacheVerifiedTokens(async () => user);
  const services = { auth: { authenticate } } as unknown as Services;
  const contexts = createContextFactory(services, config.TRUSTED_PROXIES);
  const callLog = unredacted(logger);
  const benchRouter = router({
    authors: router({
      create: baseProcedure.input(z.object({ name: z.string() })).mutation(({ input, ctx }) => {
        const now = new Date();
        callLog.info({ correlationId: ctx.request.correlationId, user: ctx.user?.username ?? null, procedure: 'authors.create', type: 'mutation', transport: ctx.request.transport, outcome: 'success', durationMs: 0.5 }, 'procedure call');
        return { id: 1, name: input.name, created_at: now, updated_at: now };
      }),
    }),
  }) as unknown as AppRouter;
  const trpc = createTrpcHttpHandler({
    router: benchRouter,
    createContext: (req, res, info) => contexts.forRequest({ req, res, transport: 'http', token: bearerTokenOf(req, info) }),
    maxBodySize: config.MAX_REQUEST_BODY_SIZE,
    maxBatchSize: config.MAX_BATCH_SIZE,
    onError: () => {},
  });
  const hygiene = createHttpHygiene(config, logger);
  const endpoints = new EndpointTemplates();
  for (const template of trpcEndpointTemplates(benchRouter)) endpoints.register(template);
  const observeHttp = createHttpObserver(createMetrics('bench'), endpoints);
  return (req, res) => {
    if (hygiene(req, res).handled) return;
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    observeHttp(req, res, path);
    new Promise<void>((resolve) => resolve(trpc(req, res))).catch(() => res.end());
  };
}
