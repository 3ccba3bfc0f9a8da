// Classifies a finished procedure call for metrics, logs and the audit log.
import type { TRPCError } from '@trpc/server';
import type { CallOutcome } from './metrics';

export function callOutcome(error: TRPCError | undefined): CallOutcome {
  if (!error) return 'success';
  return error.code === 'FORBIDDEN' || error.code === 'UNAUTHORIZED' ? 'permission_denied' : 'error';
}

/** Errors that are bugs or broken dependencies rather than the caller's mistake. */
export function isUnexpected(error: TRPCError): boolean {
  return error.code === 'INTERNAL_SERVER_ERROR';
}

/** `app_errors_total{error_type}`: the class name of the underlying error (bounded by the code base). */
export function errorType(error: TRPCError): string {
  return error.cause instanceof Error ? error.cause.name : error.name;
}
