// The rate-limit policy shared by every transport: whether limiting is on, the default limits, what to
// do when the store does not answer (RATE_LIMIT_FAIL_MODE), and an observer told about every decision
// (the metrics layer counts them as rate_limit_hits_total{limit_type}).
import type { Config } from '../config';
import { createDeadline, TIMED_OUT } from './deadline';
import type { RateLimitDecision, RateLimiter } from './rate-limiter';

/** The `limit_type` label of `rate_limit_hits_total`. */
export type RateLimitType = 'per_user' | 'per_ip' | 'websocket' | 'login' | 'login_account';

/**
 * `allowed`/`limited`: the store answered. `fail_open`/`fail_closed`: it did not (unreachable or
 * slower than STORE_TIMEOUT_MS) and the fail mode let the call through or refused it.
 */
export type RateLimitOutcome = 'allowed' | 'limited' | 'fail_open' | 'fail_closed';

export interface RateLimitCheck {
  outcome: RateLimitOutcome;
  /** The store's answer; absent when it did not answer. */
  decision?: RateLimitDecision;
}

export type RateLimitObserver = (type: RateLimitType, outcome: RateLimitOutcome) => void;

export interface RateLimitLimits {
  /** Procedure calls per caller per minute (RATE_LIMIT_PER_MINUTE). */
  perMinute: number;
  /** Legacy WebSocket messages per user per minute (WS_MESSAGE_RATE_LIMIT). */
  wsMessagesPerMinute: number;
  /** auth.login attempts per client IP + username per minute (LOGIN_RATE_LIMIT). */
  loginPerMinute: number;
  /** Failed logins per username from any IP (LOGIN_ACCOUNT_RATE_LIMIT)… */
  loginAccountFailures: number;
  /** …within this sliding window (LOGIN_ACCOUNT_WINDOW_SECONDS). */
  loginAccountWindowMs: number;
}

export interface RateLimitGuard {
  /** False when RATE_LIMIT_ENABLED=false: callers skip limiting altogether. */
  readonly enabled: boolean;
  readonly limits: RateLimitLimits;
  /** Consumes one hit of `key`; never rejects: a store failure becomes fail_open or fail_closed. */
  check(type: RateLimitType, key: string, limit: number, windowMs: number): Promise<RateLimitCheck>;
  /** Whether a hit of `key` would be admitted now, recording none; never rejects either. */
  peek(type: RateLimitType, key: string, limit: number, windowMs: number): Promise<RateLimitCheck>;
}

/** A limiter slower than this (up to a quarter more: see deadline.ts) counts as unreachable, so a stalled Redis cannot stall every request. */
export const STORE_TIMEOUT_MS = 1_000;

export interface RateLimitGuardOptions {
  limiter: RateLimiter;
  config: Pick<
    Config,
    | 'RATE_LIMIT_ENABLED'
    | 'RATE_LIMIT_PER_MINUTE'
    | 'WS_MESSAGE_RATE_LIMIT'
    | 'LOGIN_RATE_LIMIT'
    | 'LOGIN_ACCOUNT_RATE_LIMIT'
    | 'LOGIN_ACCOUNT_WINDOW_SECONDS'
    | 'RATE_LIMIT_FAIL_MODE'
  >;
  observer?: RateLimitObserver;
}

export function createRateLimitGuard({ limiter, config, observer }: RateLimitGuardOptions): RateLimitGuard {
  const failure: RateLimitOutcome = config.RATE_LIMIT_FAIL_MODE === 'open' ? 'fail_open' : 'fail_closed';
  const deadline = createDeadline(STORE_TIMEOUT_MS);
  const decide = async (type: RateLimitType, decision: Promise<RateLimitDecision>): Promise<RateLimitCheck> => {
    let result: RateLimitCheck;
    try {
      const decided = await deadline.within(decision);
      result = decided === TIMED_OUT ? { outcome: failure } : { outcome: decided.allowed ? 'allowed' : 'limited', decision: decided };
    } catch {
      result = { outcome: failure };
    }
    observer?.(type, result.outcome);
    return result;
  };
  return {
    enabled: config.RATE_LIMIT_ENABLED,
    limits: {
      perMinute: config.RATE_LIMIT_PER_MINUTE,
      wsMessagesPerMinute: config.WS_MESSAGE_RATE_LIMIT,
      loginPerMinute: config.LOGIN_RATE_LIMIT,
      loginAccountFailures: config.LOGIN_ACCOUNT_RATE_LIMIT,
      loginAccountWindowMs: config.LOGIN_ACCOUNT_WINDOW_SECONDS * 1000,
    },
    check: (type, key, limit, windowMs) => decide(type, limiter.consume(key, limit, windowMs)),
    peek: (type, key, limit, windowMs) => decide(type, limiter.peek(key, limit, windowMs)),
  };
}
