// Who holds how many WebSocket connections, across every instance, so WS_MAX_CONNECTIONS_PER_USER
// holds behind a load balancer. Redis when REDIS_URL is set, otherwise memory (one process).
//
// Lifecycle for a transport: `register` when a socket authenticates (close it with 1008 when not
// allowed), `unregister` when it closes, `close()` on shutdown. Entries expire unless refreshed and the
// registry refreshes its own on a heartbeat, so the entries of a crashed instance expire on their own.
import { createMemoryConnectionRegistry } from './connection-registry-memory';
import { createRedisConnectionRegistry } from './connection-registry-redis';
import type { Redis } from './redis';

export interface Registration {
  /** False when the user already holds `limit` connections; the connection was then not recorded. */
  allowed: boolean;
  /** The user's connections across all instances, including this one when allowed. */
  count: number;
}

export interface ConnectionRegistry {
  /** Records `connectionId` (unique across instances, e.g. a UUID) for `userId` if under the limit. Idempotent. */
  register(userId: string, connectionId: string): Promise<Registration>;
  /** Removes exactly that connection; removing one that is not there is a no-op. */
  unregister(userId: string, connectionId: string): Promise<void>;
  /** The user's live connections across all instances. */
  count(userId: string): Promise<number>;
  /** Stops the heartbeat and removes this instance's entries (best effort: they expire anyway). */
  close(): Promise<void>;
}

export interface ConnectionRegistryOptions {
  /** Connections per user (WS_MAX_CONNECTIONS_PER_USER). */
  limit: number;
  /** Lifetime of an entry nobody refreshes (default 30 s); a crashed instance's connections vanish after it. */
  entryTtlMs?: number;
  /** How often this instance refreshes its entries (default 10 s); well under entryTtlMs. */
  heartbeatMs?: number;
  /** Told when a heartbeat fails (Redis unreachable); the next beat retries. */
  onError?: (error: unknown) => void;
}

export function createConnectionRegistry(
  redis: Redis | undefined,
  options: ConnectionRegistryOptions,
): ConnectionRegistry {
  return redis ? createRedisConnectionRegistry(redis, options) : createMemoryConnectionRegistry(options);
}
