// Sessions in this process's memory (embedded mode, no Redis): same semantics as the Redis store,
// lost on restart and not shared between instances.
import type { SessionOwner, SessionStore } from './sessions';

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

interface Session extends SessionOwner {
  current: string;
}

/** How often expired entries are swept out, at the latest (lookups ignore them meanwhile). */
const SWEEP_INTERVAL_MS = 60_000;

export function createMemorySessionStore(now: () => number = Date.now): SessionStore {
  const sessions = new Map<string, Expiring<Session>>();
  const tokens = new Map<string, Expiring<string>>();
  let lastSweep = now();

  const live = <T>(map: Map<string, Expiring<T>>, key: string): T | undefined => {
    const entry = map.get(key);
    if (entry && entry.expiresAt > now()) return entry.value;
    map.delete(key);
    return undefined;
  };
  const sweep = () => {
    if (now() - lastSweep < SWEEP_INTERVAL_MS) return;
    lastSweep = now();
    for (const map of [sessions, tokens] as Map<string, Expiring<unknown>>[]) {
      for (const [key, entry] of map) if (entry.expiresAt <= lastSweep) map.delete(key);
    }
  };
  const put = (sessionId: string, session: Session, tokenHash: string, ttl: number) => {
    const expiresAt = now() + ttl * 1000;
    sessions.set(sessionId, { value: session, expiresAt });
    tokens.set(tokenHash, { value: sessionId, expiresAt });
  };

  return {
    async create(sessionId, owner, tokenHash, ttl) {
      sweep();
      put(sessionId, { ...owner, current: tokenHash }, tokenHash, ttl);
    },
    async find(tokenHash) {
      const sessionId = live(tokens, tokenHash);
      const session = sessionId === undefined ? undefined : live(sessions, sessionId);
      return sessionId !== undefined && session ? { sessionId, current: session.current === tokenHash } : undefined;
    },
    async rotate(sessionId, presentedHash, nextHash, ttl) {
      const session = live(sessions, sessionId);
      if (session?.current !== presentedHash) return false;
      put(sessionId, { ...session, current: nextHash }, nextHash, ttl);
      return true;
    },
    async revoke(sessionId) {
      sessions.delete(sessionId);
    },
  };
}
