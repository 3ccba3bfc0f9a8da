// Classifies a finished procedure call for metrics, logs and the audit log.
import type { TRPCError } from '@trpc/server';
import type { CallOutcome } from './metrics';

export function callOutcome(error: TRPCError | undefined): CallOutcome {
  if (!error) return 'success';
  return error.code === 'FORBIDDEN' || error.code === 'UNAUTHORIZED' ? 'permission_denied' : 'error';
}

/** Calls refused before they ran (no valid credentials, missing role, rate limit): tallied, not stored one by one. */
export function isRefusal(error: TRPCError): boolean {
  return error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN' || error.code === 'TOO_MANY_REQUESTS';
}

/**
 * `app_errors_total{error_type}`: the class of the underlying error, e.g. DrizzleQueryError
 * (bounded by the code base). The class, not `.name`: many libraries leave `.name` as "Error".
 */
export function errorType(error: TRPCError): string {
  const cause = error.cause instanceof Error ? error.cause : error;
  return cause.constructor.name || cause.name;
}
