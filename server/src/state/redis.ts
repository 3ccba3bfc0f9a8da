// The Redis connection shared by the state layer (rate limits, sessions, connection registry, events).
// Absent when REDIS_URL is unset: every store then has an in-memory implementation instead.
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { TurnBatchedRedis } from './turn-batched-redis';

export type { Redis };

/**
 * One client per process with every key under REDIS_KEY_PREFIX. Commands fail fast while Redis is
 * unreachable (no offline queue), so callers can apply their fail-open/closed policy instead of
 * hanging; ioredis keeps reconnecting in the background and recovers by itself. Commands issued in
 * the same turn of the event loop (the rate-limit scripts of every call that arrived together) go
 * out in one write (turn-batched-redis.ts): one system call for many calls under load, instead of
 * one per call.
 */
export function createRedis(config: Pick<Config, 'REDIS_URL' | 'REDIS_KEY_PREFIX'>): Redis | undefined {
  if (!config.REDIS_URL) return undefined;
  return new TurnBatchedRedis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
}

/** Waits until the client is ready, so start-up fails clearly when Redis is not there at all. */
export async function waitForRedis(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

export async function pingRedis(redis: Redis): Promise<void> {
  await redis.ping();
}
