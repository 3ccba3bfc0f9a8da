// Login sessions: which refresh token is the current one of each session, so that refresh can
// rotate it, a rotated token is recognised when it comes back, and logout can revoke.
// Tokens are known here only by their SHA-256, never in clear.
import type { Redis } from './redis';
import { createMemorySessionStore } from './sessions-memory';
import { createRedisSessionStore } from './sessions-redis';

export interface SessionOwner {
  sub: string;
  username: string;
}

export interface RefreshTokenState {
  sessionId: string;
  /** False when the token was rotated away: presenting it again is reuse. */
  current: boolean;
}

export interface SessionStore {
  /** Starts session `sessionId` with `tokenHash` as its current refresh token. */
  create(sessionId: string, owner: SessionOwner, tokenHash: string, ttlSeconds: number): Promise<void>;
  /** The live session a token belongs to; undefined when unknown, expired or revoked. */
  find(tokenHash: string): Promise<RefreshTokenState | undefined>;
  /**
   * Makes `nextHash` current if `presentedHash` still is, extending the session by `ttlSeconds`.
   * False when it is not (another refresh won the race, or the session is gone).
   */
  rotate(sessionId: string, presentedHash: string, nextHash: string, ttlSeconds: number): Promise<boolean>;
  revoke(sessionId: string): Promise<void>;
}

/** Redis when configured (shared by every instance), otherwise this process's memory. */
export function createSessionStore(redis: Redis | undefined): SessionStore {
  return redis ? createRedisSessionStore(redis) : createMemorySessionStore();
}
