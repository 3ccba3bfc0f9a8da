// A complete `Services` for server-side-caller tests that build their own context: real in-memory
// state and telemetry, and repositories that fail loudly if a test reaches them without saying so.
import { pino } from 'pino';
import type { AuditRepository } from '../../server/src/db/audit-repository';
import type { AuthService } from '../../server/src/auth/auth-service';
import type { AuthorRepository } from '../../server/src/db/authors-repository';
import { createMetrics } from '../../server/src/observability/metrics';
import { createTelemetry } from '../../server/src/observability/telemetry';
import type { Services } from '../../server/src/services';
import { createMemoryEventStream } from '../../server/src/state/memory-event-stream';
import { createRateLimiter } from '../../server/src/state/rate-limiter';
import { createRateLimitGuard } from '../../server/src/state/rate-limiter-guard';
import { loadConfig } from '../../server/src/config';

function unreachable<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_, property) => () => {
      throw new Error(`${name}.${String(property)} was not expected in this test`);
    },
  });
}

export function stubServices(overrides: Partial<Services> = {}): Services {
  const auditLogs = unreachable<AuditRepository>('auditLogs');
  return {
    authors: unreachable<AuthorRepository>('authors'),
    auth: unreachable<AuthService>('auth'),
    auditLogs,
    telemetry: createTelemetry({
      logger: pino({ level: 'silent' }),
      metrics: createMetrics('test'),
      auditRepository: { insertBatch: async () => {} },
    }),
    rateLimits: createRateLimitGuard({ limiter: createRateLimiter(undefined), config: loadConfig({ RATE_LIMIT_ENABLED: 'false' }) }),
    events: createMemoryEventStream(),
    shutdownSignal: new AbortController().signal,
    limits: { maxInputNodes: 10_000 },
    ...overrides,
  };
}
