// The cross-cutting steps of every procedure call, on every transport, in the order of the diagrams:
//   observe (metrics, log line) → audit → rate limit → [RBAC] → input budget → the procedure (input,
//   output, resolver).
// The input budget comes last among the gates, so a call refused by rate limiting or RBAC never
// has its input read (nor, on HTTP, its body).
// They run as ONE tRPC middleware, not one each: tRPC copies its option objects (with a Babel
// object-spread helper) at every middleware hop, about 4 µs per hop and call measured here, and
// these steps need no hop of their own. A refusal thrown by rate limiting or RBAC is observed and
// audited like any failed call, then rethrown for tRPC to turn into the call's error result. A login
// procedure's refusal of the credentials counts against its username afterwards (rate-limit.ts).
import { getTRPCErrorFromUnknown, type TRPCError } from '@trpc/server';
import { middleware } from '../trpc/init';
import { auditCall } from './audit';
import { authorizedUser } from './authorize';
import type { CallInfo } from './call-info';
import { enforceInputBudget } from './input-budget';
import { observeCall } from './observe';
import { countFailedLogin, enforceRateLimit } from './rate-limit';

type CallResult = { ok: true } | { ok: false; error: TRPCError };

/** Runs `inner` (the gates, then the procedure), then observes and audits how it ended. */
async function recorded<R extends CallResult>(call: CallInfo, inner: () => Promise<R>): Promise<R> {
  const timestamp = call.ctx.user ? new Date() : undefined;
  const start = performance.now();
  let result: R | undefined;
  let refusal: TRPCError | undefined;
  try {
    result = await inner();
  } catch (cause) {
    refusal = getTRPCErrorFromUnknown(cause);
  }
  const elapsedMs = performance.now() - start;
  const error = refusal ?? (result && !result.ok ? result.error : undefined);
  observeCall(call, error, elapsedMs);
  if (timestamp) await auditCall(call, error, timestamp, elapsedMs);
  if (!result) throw refusal;
  return result;
}

/** For procedures anyone may call (login, refresh…): observed, audited when signed in, rate-limited. */
export const publicCall = middleware((opts) =>
  recorded(opts, async () => {
    await enforceRateLimit(opts);
    await enforceInputBudget(opts);
    const result = await opts.next();
    if (!result.ok) await countFailedLogin(opts, result.error);
    return result;
  }),
);

/** For procedures that need a signed-in caller with the `.meta({ roles })`; `ctx.user` is non-null. */
export const protectedCall = middleware((opts) =>
  recorded(opts, async () => {
    await enforceRateLimit(opts);
    const user = authorizedUser(opts);
    await enforceInputBudget(opts);
    return opts.next({ ctx: { user } });
  }),
);
