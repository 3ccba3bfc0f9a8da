// Sliding-window rate limiter: the interface every transport and middleware uses, and the factory that
// picks Redis (shared by every instance) or memory (single process) from REDIS_URL.
import { createMemoryRateLimiter } from './rate-limiter-memory';
import { createRedisRateLimiter } from './rate-limiter-redis';
import type { Redis } from './redis';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Hits still admitted in the current window after this one. */
  remaining: number;
  /** Milliseconds until the oldest hit in the window leaves it, i.e. until the next slot frees. */
  resetMs: number;
}

export interface RateLimiter {
  /**
   * Records one hit on `key` when fewer than `limit` hits were recorded in the last `windowMs`
   * (a refused hit is not recorded). Atomic: N concurrent calls against a limit of L admit exactly L.
   * Rejects when the store does not answer; the caller applies its fail mode.
   */
  consume(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
  /**
   * The same decision without recording a hit: whether a hit now would be admitted. For limits
   * counted on outcomes (failed logins), checked before the attempt and consumed after a failure.
   */
  peek(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
}

/** Whole seconds until a slot frees, as X-RateLimit-Reset and Retry-After carry it. */
export function resetSeconds(decision: RateLimitDecision): number {
  return Math.ceil(decision.resetMs / 1000);
}

export function createRateLimiter(redis: Redis | undefined): RateLimiter {
  return redis ? createRedisRateLimiter(redis) : createMemoryRateLimiter();
}
