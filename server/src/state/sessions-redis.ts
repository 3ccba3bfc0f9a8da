// Sessions in Redis: `session:<id>` is a hash {sub, username, current}; `refresh:<token hash>`
// names the session of every refresh token issued, current or rotated, until it would have expired.
import type { Redis } from './redis';
import type { SessionStore } from './sessions';

const sessionKey = (id: string) => `session:${id}`;
const tokenKey = (hash: string) => `refresh:${hash}`;

// Compare-and-swap in one script, so two refreshes racing with the same token cannot both win.
const ROTATE = `
if redis.call('HGET', KEYS[1], 'current') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'current', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
return 1`;

export function createRedisSessionStore(redis: Redis): SessionStore {
  return {
    async create(sessionId, owner, tokenHash, ttl) {
      await redis
        .multi()
        .hset(sessionKey(sessionId), { sub: owner.sub, username: owner.username, current: tokenHash })
        .expire(sessionKey(sessionId), ttl)
        .set(tokenKey(tokenHash), sessionId, 'EX', ttl)
        .exec();
    },

    async find(tokenHash) {
      const sessionId = await redis.get(tokenKey(tokenHash));
      if (sessionId === null) return undefined;
      const current = await redis.hget(sessionKey(sessionId), 'current');
      return current === null ? undefined : { sessionId, current: current === tokenHash };
    },

    async rotate(sessionId, presentedHash, nextHash, ttl) {
      // Keys passed as KEYS get the client's key prefix like any other command's.
      const swapped = await redis.eval(
        ROTATE,
        2,
        sessionKey(sessionId),
        tokenKey(nextHash),
        presentedHash,
        nextHash,
        sessionId,
        ttl,
      );
      return swapped === 1;
    },

    async revoke(sessionId) {
      await redis.del(sessionKey(sessionId));
    },
  };
}
