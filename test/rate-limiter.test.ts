// The sliding-window limiter itself, on Redis (one Lua script) and in memory: exact admission under
// concurrency, the remaining count, peeking, the window sliding, and the store's key layout.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter, resetSeconds, type RateLimiter } from '../server/src/state/rate-limiter';
import { createMemoryRateLimiter } from '../server/src/state/rate-limiter-memory';
import type { Redis } from '../server/src/state/redis';
import { stateBackends } from './helpers/state';

describe.each(stateBackends)('rate limiter on $name', (backend) => {
  let handle: Awaited<ReturnType<typeof backend.open>>;
  let redis: Redis | undefined;
  let limiter: RateLimiter;

  beforeAll(async () => {
    if (backend.unavailable) return;
    handle = await backend.open();
    redis = handle.redis;
    limiter = createRateLimiter(redis);
  });
  afterAll(async () => handle?.[Symbol.asyncDispose]());

  describe.skipIf(backend.unavailable)('', () => {
    it('peeks without recording: the decision a hit would get, the window unchanged', async () => {
      expect(await limiter.peek('peek', 2, 30_000)).toMatchObject({ allowed: true, limit: 2, remaining: 2 });
      await limiter.consume('peek', 2, 30_000);
      expect(await limiter.peek('peek', 2, 30_000)).toMatchObject({ allowed: true, remaining: 1 });
      expect(await limiter.peek('peek', 2, 30_000)).toMatchObject({ allowed: true, remaining: 1 });
      await limiter.consume('peek', 2, 30_000);
      const full = await limiter.peek('peek', 2, 30_000);
      expect(full).toMatchObject({ allowed: false, remaining: 0 });
      expect(full.resetMs).toBeGreaterThan(29_000);
    });

    it('admits exactly 50 of 200 concurrent calls against a limit of 50', async () => {
      const decisions = await Promise.all(
        Array.from({ length: 200 }, () => limiter.consume('burst', 50, 30_000)),
      );
      const allowed = decisions.filter((decision) => decision.allowed);
      const refused = decisions.filter((decision) => !decision.allowed);
      expect(allowed).toHaveLength(50);
      // Each admitted call saw a different count: remaining runs 49 … 0 exactly once each.
      expect(allowed.map((decision) => decision.remaining).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i),
      );
      expect(refused.every((decision) => decision.remaining === 0 && decision.limit === 50)).toBe(true);
      expect(refused.every((decision) => decision.resetMs > 0 && decision.resetMs <= 30_000)).toBe(true);
      expect((await limiter.consume('burst', 50, 30_000)).allowed).toBe(false);
    });

    it('counts remaining down one call at a time, per key', async () => {
      const seen = [];
      for (let i = 0; i < 4; i++) {
        const { allowed, remaining, limit } = await limiter.consume('countdown', 3, 30_000);
        seen.push({ allowed, remaining, limit });
      }
      expect(seen).toEqual([
        { allowed: true, remaining: 2, limit: 3 },
        { allowed: true, remaining: 1, limit: 3 },
        { allowed: true, remaining: 0, limit: 3 },
        { allowed: false, remaining: 0, limit: 3 },
      ]);
      expect(await limiter.consume('countdown-other', 3, 30_000)).toMatchObject({ allowed: true, remaining: 2 });
    });

    it('reports the wait until the oldest hit leaves the window in whole seconds, rounded up', async () => {
      const first = await limiter.consume('reset', 1, 2_500);
      expect(first.resetMs).toBeGreaterThan(0);
      expect(first.resetMs).toBeLessThanOrEqual(2_500);
      const refused = await limiter.consume('reset', 1, 2_500);
      expect(refused.allowed).toBe(false);
      expect(resetSeconds(refused)).toBe(Math.ceil(refused.resetMs / 1000));
      expect([1, 2, 3]).toContain(resetSeconds(refused));
    });

    it('admits calls again once the window has slid past the earlier ones', async () => {
      const windowMs = 1_000;
      await Promise.all([limiter.consume('slide', 2, windowMs), limiter.consume('slide', 2, windowMs)]);
      const refused = await limiter.consume('slide', 2, windowMs);
      expect(refused.allowed).toBe(false);
      await sleep(refused.resetMs + 20);
      expect((await limiter.consume('slide', 2, windowMs)).allowed).toBe(true);
      await sleep(windowMs + 20);
      // Everything has left the window: the full limit is available again.
      expect(await limiter.consume('slide', 2, windowMs)).toMatchObject({ allowed: true, remaining: 1 });
    });

    it.runIf(backend.name === 'redis')('keeps one sorted set per key under the prefix, expiring with the window', async () => {
      await limiter.consume('layout', 5, 10_000);
      await limiter.consume('layout', 5, 10_000);
      expect(await redis!.zcard('ratelimit:layout')).toBe(2);
      const ttl = await redis!.pttl('ratelimit:layout');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(10_000);
    });
  });
});

describe('memory rate limiter on a controlled clock', () => {
  it('drops a hit exactly one window later, like ZREMRANGEBYSCORE(-inf, now - window)', async () => {
    let now = 1_000_000;
    const limiter = createMemoryRateLimiter(() => now);
    expect(await limiter.consume('k', 1, 1_000)).toEqual({ allowed: true, limit: 1, remaining: 0, resetMs: 1_000 });
    now += 999;
    expect(await limiter.consume('k', 1, 1_000)).toEqual({ allowed: false, limit: 1, remaining: 0, resetMs: 1 });
    now += 1;
    expect(await limiter.consume('k', 1, 1_000)).toEqual({ allowed: true, limit: 1, remaining: 0, resetMs: 1_000 });
  });
});
