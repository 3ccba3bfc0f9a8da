// GET /health: each dependency checked in parallel; 503 when any is unhealthy.
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { sendJson } from './http-response';
import type { PlainRoute } from './openapi/document';

const dependencyStatusSchema = z.enum(['healthy', 'unhealthy', 'embedded']);
export type DependencyStatus = z.infer<typeof dependencyStatusSchema>;

/** The body of both answers (200 and 503); also what /openapi.json documents. */
export const healthResponseSchema = z.object({
  status: z.enum(['healthy', 'unhealthy']),
  database: dependencyStatusSchema,
  /** `embedded` when there is no REDIS_URL (in-memory state). */
  redis: dependencyStatusSchema,
  websocket: z.object({ status: z.literal('healthy'), active_connections: z.number().int().min(0) }),
});
type HealthResponse = z.infer<typeof healthResponseSchema>;

export const healthRoute: PlainRoute = {
  method: 'GET',
  path: '/health',
  summary: 'Liveness and dependency health (not rate-limited, no token needed)',
  tag: 'operations',
  responses: {
    200: { description: 'Every dependency answers', schema: healthResponseSchema },
    503: { description: 'A dependency does not answer', schema: healthResponseSchema },
  },
};

export interface HealthSources {
  /** Rejects when the database does not answer. */
  pingDatabase(): Promise<void>;
  /** Absent in embedded mode (in-memory state). */
  pingRedis?: () => Promise<void>;
  activeWebSockets(): number;
}

const CHECK_TIMEOUT_MS = 2_000;

async function check(ping: () => Promise<void>): Promise<DependencyStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([ping(), timeout]);
    return 'healthy';
  } catch {
    return 'unhealthy';
  } finally {
    clearTimeout(timer);
  }
}

export async function respondHealth(res: ServerResponse, sources: HealthSources): Promise<void> {
  const [database, redis] = await Promise.all([
    check(sources.pingDatabase),
    sources.pingRedis ? check(sources.pingRedis) : ('embedded' as const),
  ]);
  const healthy = database === 'healthy' && redis !== 'unhealthy';
  const body: HealthResponse = {
    status: healthy ? 'healthy' : 'unhealthy',
    database,
    redis,
    websocket: { status: 'healthy', active_connections: sources.activeWebSockets() },
  };
  sendJson(res, healthy ? 200 : 503, body);
}
