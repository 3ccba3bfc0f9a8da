// The cross-instance connection registry: one sorted set per user, member = connection id, score = the
// time (Redis's clock, ms) the entry expires. Registering is one Lua script (drop expired, count, add
// if under the limit), so racing connects on several instances can never overshoot the limit — unlike
// SADD-then-SCARD-then-SREM, which can also refuse both racers. Each instance refreshes the entries of
// its own open connections on a heartbeat; those of a crashed instance simply stop being refreshed.
import type { ConnectionRegistry, ConnectionRegistryOptions } from './connection-registry';
import type { Redis } from './redis';

const KEY_PREFIX = 'ws:connections:';
/** Well within the minute allowed for a crashed instance's entries, with three beats per lifetime. */
const ENTRY_TTL_MS = 30_000;
const HEARTBEAT_MS = 10_000;

const NOW_MS = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

// KEYS[1] user key; ARGV limit, ttl (ms), connection id. Returns {allowed, count}.
const REGISTER_LUA = `${NOW_MS}
local key, limit, ttl, id = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local count = redis.call('ZCARD', key)
if redis.call('ZSCORE', key, id) == false and count >= limit then return {0, count} end
redis.call('ZADD', key, now + ttl, id)
redis.call('PEXPIRE', key, ttl)
return {1, redis.call('ZCARD', key)}
`;

// KEYS[1] user key; ARGV ttl (ms), connection ids. Re-adds rather than only updating (no XX): the
// connections are open, so an entry dropped while Redis was unreachable for longer than ttl comes back.
const REFRESH_LUA = `${NOW_MS}
local key, ttl = KEYS[1], tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', key, now + ttl, ARGV[i]) end
redis.call('PEXPIRE', key, ttl)
return #ARGV - 1
`;

// KEYS[1] user key. Counts live entries without modifying the set.
const COUNT_LUA = `${NOW_MS}
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`;

interface RedisWithRegistry extends Redis {
  registerConnection(key: string, limit: number, ttlMs: number, id: string): Promise<[number, number]>;
  refreshConnections(key: string, ttlMs: number, ...ids: string[]): Promise<number>;
  countConnections(key: string): Promise<number>;
}

export function createRedisConnectionRegistry(
  redis: Redis,
  { limit, entryTtlMs = ENTRY_TTL_MS, heartbeatMs = HEARTBEAT_MS, onError }: ConnectionRegistryOptions,
): ConnectionRegistry {
  redis.defineCommand('registerConnection', { numberOfKeys: 1, lua: REGISTER_LUA });
  redis.defineCommand('refreshConnections', { numberOfKeys: 1, lua: REFRESH_LUA });
  redis.defineCommand('countConnections', { numberOfKeys: 1, lua: COUNT_LUA });
  const client = redis as RedisWithRegistry;

  /** This instance's open connections, the ones its heartbeat keeps alive. */
  const local = new Map<string, Set<string>>();

  // Commands on one connection run in the order sent: a refresh sent before an unregister's ZREM cannot
  // resurrect the entry, and one sent after it no longer lists the connection.
  const heartbeat = async () => {
    const beats = [...local].map(([userId, ids]) => client.refreshConnections(KEY_PREFIX + userId, entryTtlMs, ...ids));
    await Promise.all(beats);
  };
  const timer = setInterval(() => heartbeat().catch((error: unknown) => onError?.(error)), heartbeatMs);
  timer.unref();

  const forget = (userId: string, connectionId: string) => {
    const ids = local.get(userId);
    ids?.delete(connectionId);
    if (ids?.size === 0) local.delete(userId);
  };

  return {
    async register(userId, connectionId) {
      const [allowed, count] = await client.registerConnection(KEY_PREFIX + userId, limit, entryTtlMs, connectionId);
      if (allowed === 1) {
        const ids = local.get(userId) ?? new Set<string>();
        ids.add(connectionId);
        local.set(userId, ids);
      }
      return { allowed: allowed === 1, count };
    },
    async unregister(userId, connectionId) {
      forget(userId, connectionId);
      await client.zrem(KEY_PREFIX + userId, connectionId);
    },
    count: (userId) => client.countConnections(KEY_PREFIX + userId),
    async close() {
      clearInterval(timer);
      const removals = [...local].map(([userId, ids]) => client.zrem(KEY_PREFIX + userId, ...ids));
      local.clear();
      await Promise.all(removals).catch((error: unknown) => onError?.(error));
    },
  };
}
