// Observes every procedure call, on every transport: trpc_calls_total / trpc_call_duration_seconds,
// and one log line with correlation id, user, procedure, transport, outcome and duration.
// Errors that are not the API's own (trpc/error-policy.ts) are logged here, once, with their cause and
// stack, and counted in app_errors_total; the client only ever sees the policy's generic message.
// It runs outermost (middleware/call.ts), so it also sees calls refused by rate limiting, auth and RBAC.
import type { TRPCError } from '@trpc/server';
import { callOutcome, errorType } from '../observability/call-outcome';
import { unredacted } from '../observability/logger';
import { claimReport, publicErrorOf } from '../trpc/error-policy';
import type { CallInfo } from './call-info';

export function observeCall({ ctx, path, type }: CallInfo, error: TRPCError | undefined, elapsedMs: number): void {
  const outcome = callOutcome(error);
  const { services, request, user } = ctx;
  const { telemetry } = services;
  telemetry.recordCall(path, type, request.transport, outcome, elapsedMs / 1000);

  const line = {
    correlationId: request.correlationId,
    user: user?.username ?? null,
    procedure: path,
    type,
    transport: request.transport,
    outcome,
    durationMs: Math.round(elapsedMs * 1000) / 1000,
    code: error?.code,
  };
  if (error && publicErrorOf(error).unexpected && claimReport(error)) {
    const kind = errorType(error);
    telemetry.metrics.appErrors.inc({ error_type: kind, transport: request.transport });
    telemetry.logger.error({ ...line, err: error }, 'procedure call failed unexpectedly');
  } else {
    // Only the fixed fields above: see unredacted(). The error line keeps redaction (it carries `err`).
    unredacted(telemetry.logger).info(line, 'procedure call');
  }
}
