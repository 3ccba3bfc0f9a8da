// Rate limiting of every procedure call on every transport, before authentication and
// RBAC as in the diagrams: one hit per call (each call of a tRPC batch counts once), keyed
// `user:<username>` when signed in, else `ip:<client ip>`. Sets X-RateLimit-* (and Retry-After on
// refusal) where the transport has response headers. Over the limit → TOO_MANY_REQUESTS (HTTP 429);
// store down with RATE_LIMIT_FAIL_MODE=closed → SERVICE_UNAVAILABLE (503: the server, not the client,
// is at fault, and no limit was actually exceeded); with `open` the call goes through without headers.
//
// Login procedures have two more limits against brute force: attempts per client IP + username, and
// failed attempts per username from any IP (LOGIN_ACCOUNT_RATE_LIMIT per LOGIN_ACCOUNT_WINDOW_SECONDS,
// a sliding window, so a lockout ends at most one window after the failures stop). The second is
// only looked at before the attempt; `countFailedLogin` records a failure after it.
//
// A legacy socket's push subscriptions (transports/legacy/pushes.ts) are part of its connection,
// which the connection limit holds, not messages: they are not rate-limited, so a user at the
// message limit still gets the pushes of a socket it opens.
import { TRPCError } from '@trpc/server';
import { resetSeconds, type RateLimitDecision } from '../state/rate-limiter';
import type { RateLimitLimits, RateLimitType } from '../state/rate-limiter-guard';
import type { Context, ResponseHeaders } from '../trpc/context';
import { RATE_LIMIT_EXCEEDED_MESSAGE } from '../trpc/error-policy';
import type { RateLimitMeta } from '../trpc/init';
import type { CallInfo } from './call-info';

export const RATE_LIMIT_UNAVAILABLE_MESSAGE = 'Rate limiting is unavailable, please try again later';

const MINUTE_MS = 60_000;
/** Usernames are only a bucket name here, before validation: bounded so a huge input cannot bloat keys. */
const MAX_USERNAME_IN_KEY = 256;

interface Limit {
  type: RateLimitType;
  key: string;
  limit: number;
  windowMs: number;
  /** Only look (the hit is recorded elsewhere, on an outcome). */
  peek?: boolean;
}

/** The limit every call counts against: the procedure's own, the legacy WebSocket one, or the default. */
function callerLimit(ctx: Context, path: string, own: RateLimitMeta | undefined, limits: RateLimitLimits): Limit {
  const caller = ctx.user ? `user:${ctx.user.username}` : `ip:${ctx.request.ip}`;
  const type = ctx.user ? 'per_user' : 'per_ip';
  if (own && own.key !== 'login') {
    const windowMs = (own.windowSeconds ?? 60) * 1000;
    return { type, key: `${path}:${caller}`, limit: own.limit ?? limits.perMinute, windowMs };
  }
  if (ctx.request.transport === 'legacy') {
    return { type: 'websocket', key: `ws:${caller}`, limit: limits.wsMessagesPerMinute, windowMs: MINUTE_MS };
  }
  return { type, key: caller, limit: limits.perMinute, windowMs: MINUTE_MS };
}

/** The username a login input names, as a bucket name: trimmed, lower-cased, bounded. */
function loginUsername(rawInput: unknown): string {
  const given = typeof rawInput === 'object' && rawInput !== null && 'username' in rawInput ? rawInput.username : '';
  return typeof given === 'string' ? given.trim().toLowerCase().slice(0, MAX_USERNAME_IN_KEY) : '';
}

/** The brute-force limit of a login procedure: per client IP and attempted username. */
function loginLimit(ctx: Context, username: string, own: RateLimitMeta, limits: RateLimitLimits): Limit {
  return {
    type: 'login',
    key: `login:${ctx.request.ip}:${username}`,
    limit: own.limit ?? limits.loginPerMinute,
    windowMs: (own.windowSeconds ?? 60) * 1000,
  };
}

/** Failed logins of one username from any IP; `peek` before the attempt, consumed on a failure. */
function accountLimit(username: string, limits: RateLimitLimits, peek: boolean): Limit {
  const { loginAccountFailures: limit, loginAccountWindowMs: windowMs } = limits;
  return { type: 'login_account', key: `login-failures:${username}`, limit, windowMs, peek };
}

function setRateLimitHeaders(response: ResponseHeaders, decision: RateLimitDecision): void {
  const reset = String(resetSeconds(decision));
  response.setHeader('X-RateLimit-Limit', String(decision.limit));
  response.setHeader('X-RateLimit-Remaining', String(decision.remaining));
  response.setHeader('X-RateLimit-Reset', reset);
  if (!decision.allowed) response.setHeader('Retry-After', reset);
}

/** Counts the call against its limits; throws TOO_MANY_REQUESTS (or SERVICE_UNAVAILABLE) to refuse it. */
export async function enforceRateLimit({ ctx, meta, path, type: callType, getRawInput }: CallInfo): Promise<void> {
  const guard = ctx.services.rateLimits;
  if (!guard.enabled || (callType === 'subscription' && ctx.request.transport === 'legacy')) return;
  const own = meta?.rateLimit;
  const limits = [callerLimit(ctx, path, own, guard.limits)];
  if (own?.key === 'login') {
    const username = loginUsername(await getRawInput());
    limits.push(loginLimit(ctx, username, own, guard.limits), accountLimit(username, guard.limits, true));
  }

  // Checked in turn, stopping at the first refusal; the headers show the tightest limit.
  let tightest: RateLimitDecision | undefined;
  for (const { type, key, limit, windowMs, peek } of limits) {
    const { outcome, decision } = await (peek ? guard.peek : guard.check)(type, key, limit, windowMs);
    if (outcome === 'fail_closed') {
      throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: RATE_LIMIT_UNAVAILABLE_MESSAGE });
    }
    if (!decision) continue;
    if (!tightest || !decision.allowed || decision.remaining < tightest.remaining) tightest = decision;
    if (!decision.allowed) break;
  }
  if (tightest && ctx.response) setRateLimitHeaders(ctx.response, tightest);
  if (tightest && !tightest.allowed) {
    throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: RATE_LIMIT_EXCEEDED_MESSAGE });
  }
}

/** After a login procedure refused the credentials (UNAUTHORIZED): one more failure for its username. */
export async function countFailedLogin({ ctx, meta, getRawInput }: CallInfo, error: TRPCError): Promise<void> {
  const guard = ctx.services.rateLimits;
  if (!guard.enabled || meta?.rateLimit?.key !== 'login' || error.code !== 'UNAUTHORIZED') return;
  const { type, key, limit, windowMs } = accountLimit(loginUsername(await getRawInput()), guard.limits, false);
  await guard.check(type, key, limit, windowMs);
}
