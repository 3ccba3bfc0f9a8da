// Cost of one rate-limit check: the Redis Lua script (one round trip) and the in-memory window.
// `npm run bench:limiter` — local only (127.0.0.1); keys go under a fresh prefix and expire in 10 s.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createMemoryRateLimiter } from '../server/src/state/rate-limiter-memory';
import { createRedisRateLimiter } from '../server/src/state/rate-limiter-redis';
import type { RateLimiter } from '../server/src/state/rate-limiter';
import { createRedis, waitForRedis } from '../server/src/state/redis';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const WINDOW_MS = 10_000;
const CLIENTS = 1_000; // distinct keys, as many clients would make

interface Scenario {
  name: string;
  limiter: RateLimiter;
  calls: number;
  /** Calls in flight at once; 1 measures latency, more measures throughput. */
  concurrency: number;
  /** Per-key limit: high admits every call (the write path), 1 refuses nearly all (the read path). */
  limit: number;
}

async function run({ limiter, calls, concurrency, limit }: Scenario): Promise<{ usPerCall: number; p50: number; p99: number }> {
  const latencies = new Float64Array(calls);
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      const start = performance.now();
      await limiter.consume(`bench:${i % CLIENTS}`, limit, WINDOW_MS);
      latencies[i] = performance.now() - start;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - start;
  latencies.sort();
  const quantile = (q: number) => latencies[Math.min(calls - 1, Math.floor(q * calls))]! * 1000;
  return { usPerCall: (elapsed * 1000) / calls, p50: quantile(0.5), p99: quantile(0.99) };
}

async function main(): Promise<void> {
  const { hostname } = new URL(REDIS_URL);
  if (hostname !== '127.0.0.1' && hostname !== 'localhost') throw new Error(`refusing to bench a non-local Redis: ${REDIS_URL}`);
  const redis = createRedis({ REDIS_URL, REDIS_KEY_PREFIX: `bench:${randomBytes(6).toString('hex')}:` });
  if (!redis) throw new Error('no Redis client');
  await waitForRedis(redis);
  const onRedis = createRedisRateLimiter(redis);
  const inMemory = createMemoryRateLimiter();

  const scenarios: Scenario[] = [
    { name: 'redis, sequential, admitted', limiter: onRedis, calls: 5_000, concurrency: 1, limit: 1_000_000 },
    { name: 'redis, sequential, refused', limiter: onRedis, calls: 5_000, concurrency: 1, limit: 1 },
    { name: 'redis, 64 in flight, admitted', limiter: onRedis, calls: 20_000, concurrency: 64, limit: 1_000_000 },
    { name: 'memory, sequential, admitted', limiter: inMemory, calls: 200_000, concurrency: 1, limit: 1_000_000 },
    { name: 'memory, sequential, 60/key', limiter: inMemory, calls: 200_000, concurrency: 1, limit: 60 },
  ];
  await run({ ...scenarios[0]!, calls: 500 }); // warm-up: script loaded, JIT warm
  console.log('scenario                          µs/call (wall)   p50 µs   p99 µs');
  for (const scenario of scenarios) {
    const { usPerCall, p50, p99 } = await run(scenario);
    console.log(
      `${scenario.name.padEnd(34)}${usPerCall.toFixed(1).padStart(14)}${p50.toFixed(1).padStart(9)}${p99.toFixed(1).padStart(9)}`,
    );
  }
  redis.disconnect();
}

await main();
