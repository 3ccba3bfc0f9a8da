// Real PostgreSQL and Redis for tests. Without them the suites that need them skip, saying so —
// unless REQUIRE_SERVICES=1 (set by .ci/run), which turns a missing service into a failure.
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import postgres from 'postgres';
import { createRedis, waitForRedis, type Redis } from '../../server/src/state/redis';

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const required = process.env.REQUIRE_SERVICES === '1';

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function available(name: string, url: string): Promise<boolean> {
  if (await reachable(url)) return true;
  if (required) throw new Error(`${name} is required (REQUIRE_SERVICES=1) but ${url} does not answer`);
  console.warn(`[tests] ${name} at ${url} does not answer: its suites are skipped`);
  return false;
}

export const hasPostgres = await available('PostgreSQL', POSTGRES_ADMIN_URL);
export const hasRedis = await available('Redis', REDIS_URL);

/** A fresh, uniquely named database, dropped on dispose. */
export async function createTestDatabase(): Promise<{ url: string } & AsyncDisposable> {
  const name = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async [Symbol.asyncDispose]() {
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** A Redis key prefix no other test run uses. */
export function uniqueRedisPrefix(): string {
  return `test:${randomBytes(6).toString('hex')}:`;
}

/** A client configured as the server's (no offline queue, key prefix), under a fresh prefix unless given. */
export async function connectTestRedis(
  options: { url?: string; prefix?: string } = {},
): Promise<Redis & AsyncDisposable> {
  const redis = createRedis({ REDIS_URL: options.url ?? REDIS_URL, REDIS_KEY_PREFIX: options.prefix ?? uniqueRedisPrefix() });
  if (!redis) throw new Error('createRedis returned no client for a REDIS_URL');
  redis.on('error', () => {}); // reconnect attempts while a test cuts the link are expected
  await waitForRedis(redis);
  return Object.assign(redis, { [Symbol.asyncDispose]: async () => void redis.disconnect() });
}
