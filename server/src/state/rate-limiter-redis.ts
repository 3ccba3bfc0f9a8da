// The sliding-window log (ZREMRANGEBYSCORE, ZCARD, ZADD, PEXPIRE) as one Lua script, so a
// check-and-record is atomic across every instance. Time is Redis's own clock (TIME), so instances
// with skewed clocks still share one window.
import { randomBytes } from 'node:crypto';
import type { RateLimitDecision, RateLimiter } from './rate-limiter';
import type { Redis } from './redis';

const KEY_PREFIX = 'ratelimit:';

// KEYS[1] window key; ARGV limit, window (ms), unique member, "1" to record the hit or "0" to only
// look. Returns {allowed, count, resetMs}.
const SLIDING_WINDOW_LUA = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  allowed = 1
  if ARGV[4] == '1' then
    redis.call('ZADD', key, now, ARGV[3])
    redis.call('PEXPIRE', key, window)
    count = count + 1
  end
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local resetMs = 0
if oldest[2] then resetMs = tonumber(oldest[2]) + window - now end
return {allowed, count, resetMs}
`;

type SlidingWindowReply = [allowed: number, count: number, resetMs: number];

interface RedisWithSlidingWindow extends Redis {
  slidingWindow(key: string, limit: number, windowMs: number, member: string, record: '1' | '0'): Promise<SlidingWindowReply>;
}

export function createRedisRateLimiter(redis: Redis): RateLimiter {
  // Sent by EVALSHA (EVAL once per connection when Redis does not know it yet): one round trip per call.
  redis.defineCommand('slidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW_LUA });
  const client = redis as RedisWithSlidingWindow;
  // Members must be unique per hit: several hits in the same millisecond are all counted.
  const instance = randomBytes(6).toString('hex');
  let sequence = 0;

  const decide = async (key: string, limit: number, windowMs: number, record: '1' | '0'): Promise<RateLimitDecision> => {
    const member = `${instance}:${(sequence++).toString(36)}`;
    const [allowed, count, resetMs] = await client.slidingWindow(KEY_PREFIX + key, limit, windowMs, member, record);
    return { allowed: allowed === 1, limit, remaining: Math.max(limit - count, 0), resetMs };
  };
  return {
    consume: (key, limit, windowMs) => decide(key, limit, windowMs, '1'),
    peek: (key, limit, windowMs) => decide(key, limit, windowMs, '0'),
  };
}
