// Records every call made by an authenticated user in the audit log, on every
// transport: who, what, outcome (success / error / permission_denied), from where, how long, and
// the input with secrets redacted (a bounded copy). The row is queued (observability/audit-queue.ts);
// refused calls are tallied per user and minute instead (observability/refusal-tally.ts).
//
// Place in the call (middleware/call.ts): after authentication (ctx.user is set by the transport's
// context) and around the RBAC check, so refused calls are recorded as permission_denied:
//   observe → audit → [rate limit] → rbac → procedure.
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { TRPCError } from '@trpc/server';
import type { NewAuditLog } from '../db/audit-repository';
import { callOutcome, isRefusal } from '../observability/call-outcome';
import { redactSecrets } from '../observability/redact';
import { publicErrorOf } from '../trpc/error-policy';
import type { CallInfo } from './call-info';

const OK = 200;

/** `authors.update` with `{id: 7}` → `authors/7`; the namespace alone when the input names no id. */
function resourceOf(path: string, input: unknown): string {
  const dot = path.indexOf('.');
  const namespace = dot === -1 ? path : path.slice(0, dot);
  const id = typeof input === 'object' && input !== null ? (input as { id?: unknown }).id : undefined;
  return typeof id === 'number' || typeof id === 'string' ? `${namespace}/${id}` : namespace;
}

/**
 * Queues the audit row of a finished call that began at `timestamp`; anonymous calls have none.
 * A refused call (401/403/429) is only tallied, without reading its input. Otherwise the call waits
 * here while the audit queue is full (back-pressure, observability/audit-queue.ts).
 */
export async function auditCall(
  { ctx, path, getRawInput }: CallInfo,
  error: TRPCError | undefined,
  timestamp: Date,
  elapsedMs: number,
): Promise<void> {
  const { user, request } = ctx;
  if (!user) return;
  const { audit } = ctx.services.telemetry;
  const refused = error !== undefined && isRefusal(error);
  // Raw input: what the caller sent (already parsed from the wire), before validation.
  const input = refused ? undefined : await getRawInput().catch(() => undefined);
  const requestData = input === undefined ? undefined : redactSecrets(input);
  const row: NewAuditLog = {
    timestamp,
    user_id: user.sub,
    username: user.username,
    roles: user.roles,
    action: path,
    resource: resourceOf(path, input),
    outcome: callOutcome(error),
    transport: request.transport,
    ip: request.ip,
    user_agent: request.userAgent ?? null,
    correlation_id: request.correlationId,
    request_data: requestData?.data ?? null,
    status_code: error ? getHTTPStatusCodeFromError(error) : OK,
    // Details of unexpected errors stay in the server log (same correlation id), as for clients.
    error_message: error ? publicErrorOf(error).message : null,
    duration_ms: Math.round(elapsedMs),
    count: 1,
  };
  if (refused) audit.recordRefusal(row);
  else await audit.record(row, requestData?.bytes);
}
