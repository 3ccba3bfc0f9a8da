// The in-memory sliding-window log for embedded mode (one process): the same semantics as the Redis
// script, with hit times kept per key and idle keys swept so that many distinct clients cannot leak memory.
import type { RateLimitDecision, RateLimiter } from './rate-limiter';

interface Window {
  /** Times (ms) of the recorded hits, oldest first. */
  hits: number[];
  /** When the newest hit leaves the window and the key can go (Redis's PEXPIRE). */
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 10_000;

export function createMemoryRateLimiter(now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, Window>();
  let nextSweep = now() + SWEEP_INTERVAL_MS;

  const sweep = (time: number) => {
    for (const [key, window] of windows) if (window.expiresAt <= time) windows.delete(key);
    nextSweep = time + SWEEP_INTERVAL_MS;
  };

  const decide = (key: string, limit: number, windowMs: number, record: boolean): RateLimitDecision => {
    const time = now();
    if (time >= nextSweep) sweep(time);
    let window = windows.get(key);
    if (!window) {
      window = { hits: [], expiresAt: 0 };
      windows.set(key, window);
    }
    // Same boundary as ZREMRANGEBYSCORE(-inf, now - window): a hit at exactly now - window is gone.
    const firstLive = window.hits.findIndex((hit) => hit > time - windowMs);
    window.hits.splice(0, firstLive === -1 ? window.hits.length : firstLive);
    const allowed = window.hits.length < limit;
    if (allowed && record) {
      window.hits.push(time);
      window.expiresAt = time + windowMs;
    }
    const oldest = window.hits[0];
    return {
      allowed,
      limit,
      remaining: Math.max(limit - window.hits.length, 0),
      resetMs: oldest === undefined ? 0 : oldest + windowMs - time,
    };
  };
  return {
    consume: async (key, limit, windowMs) => decide(key, limit, windowMs, true),
    peek: async (key, limit, windowMs) => decide(key, limit, windowMs, false),
  };
}
