// Overload: a burst of 20× the rate limit from many clients (distinct IPs through a trusted proxy's
// X-Forwarded-For) against a real process. Exactly the limit is admitted per client, the rest is 429
// with the documented body, the process stays up and serves, and its memory returns near where it was.
import { describe, expect, it, vi } from 'vitest';
import { spawnServer } from './helpers/process';
import { scrape, valueOf } from './helpers/prometheus';
import { createTestDatabase, hasPostgres, hasRedis, REDIS_URL, uniqueRedisPrefix } from './helpers/services';

const LIMIT = 3;
const CLIENTS = 20;
const PER_CLIENT = 20 * LIMIT;
const CONCURRENCY = 64;
const MIB = 1024 * 1024;

interface Outcome {
  ip: string;
  status: number;
  body: string;
}

/** Sends every request, at most CONCURRENCY at a time (a burst, without opening thousands of sockets). */
async function burst(url: string, ips: string[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ips.length) {
      const ip = ips[next++]!;
      const response = await fetch(`${url}/authors`, { headers: { 'X-Forwarded-For': ip } });
      outcomes.push({ ip, status: response.status, body: await response.text() });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return outcomes;
}

const requestsFrom = (prefix: string, clients: number, each: number) =>
  Array.from({ length: clients * each }, (_, index) => `${prefix}.${index % clients}`);

describe.skipIf(!hasPostgres || !hasRedis)('overload', () => {
  it('refuses a 20× burst from many clients with 429s and returns to its memory baseline', async () => {
    await using database = await createTestDatabase();
    await using server = await spawnServer({
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix(),
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
      TRUSTED_PROXIES: '127.0.0.1',
    });
    // Warm up (JIT, pools, metric series) with other clients, then take the baseline.
    await burst(server.url, requestsFrom('10.1.0', 10, 2 * LIMIT));
    const before = await scrape(server.url);
    const heapBefore = valueOf(before, 'nodejs_heap_size_used_bytes')!;
    const rssBefore = valueOf(before, 'process_resident_memory_bytes')!;
    const hitsBefore = valueOf(before, 'rate_limit_hits_total', { limit_type: 'per_ip' }) ?? 0;

    const outcomes = await burst(server.url, requestsFrom('10.2.0', CLIENTS, PER_CLIENT));
    expect(outcomes).toHaveLength(CLIENTS * PER_CLIENT);
    // Per client: exactly LIMIT admitted (then refused by auth, 401: no token), the rest limited.
    const byClient = new Map<string, Record<number, number>>();
    for (const { ip, status } of outcomes) {
      const counts = byClient.get(ip) ?? {};
      counts[status] = (counts[status] ?? 0) + 1;
      byClient.set(ip, counts);
    }
    expect(byClient.size).toBe(CLIENTS);
    for (const counts of byClient.values()) expect(counts).toEqual({ 401: LIMIT, 429: PER_CLIENT - LIMIT });
    expect(new Set(outcomes.filter(({ status }) => status === 429).map(({ body }) => body))).toEqual(
      new Set(['{"detail":"Rate limit exceeded. Please try again later."}']),
    );

    // Stable: still up, healthy, counting, and serving a client that is within its limit.
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const fresh = await fetch(`${server.url}/authors`, { headers: { 'X-Forwarded-For': '10.3.0.1' } });
    expect(fresh.status).toBe(401);
    const after = await scrape(server.url);
    expect(valueOf(after, 'rate_limit_hits_total', { limit_type: 'per_ip' })! - hitsBefore).toBe(CLIENTS * (PER_CLIENT - LIMIT));

    // Memory: the burst leaves nothing behind. The heap comes back near the baseline once V8 collects
    // (its memory reducer runs when allocation slows down); RSS may keep some pages, within a wide bound.
    await vi.waitFor(
      async () => expect(valueOf(await scrape(server.url), 'nodejs_heap_size_used_bytes')!).toBeLessThan(heapBefore + 16 * MIB),
      { timeout: 30_000, interval: 500 },
    );
    expect(valueOf(await scrape(server.url), 'process_resident_memory_bytes')!).toBeLessThan(rssBefore + 128 * MIB);
    expect(await server.stop('SIGTERM')).toBe(0);
  }, 90_000);
});
