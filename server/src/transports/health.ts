// GET /health: each dependency checked in parallel; 503 when any is unhealthy (DESIGN §9).
import type { ServerResponse } from 'node:http';
import { sendJson } from './http-response';

export type DependencyStatus = 'healthy' | 'unhealthy' | 'embedded';

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
  sendJson(res, healthy ? 200 : 503, {
    status: healthy ? 'healthy' : 'unhealthy',
    database,
    redis,
    websocket: { status: 'healthy', active_connections: sources.activeWebSockets() },
  });
}
