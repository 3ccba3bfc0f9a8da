// Records every call made by an authenticated user in the audit log, on every
// transport: who, what, outcome (success / error / permission_denied), from where, how long, and
// the input with secrets redacted (a bounded copy). The row is queued (observability/audit-queue.ts), never awaited.
//
// Place in the call (middleware/call.ts): after authentication (ctx.user is set by the transport's
// context) and around the RBAC check, so refused calls are recorded as permission_denied:
//   observe → audit → [rate limit] → rbac → procedure.
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { TRPCError } from '@trpc/server';
import { callOutcome, isUnexpected } from '../observability/call-outcome';
import { redactSecrets } from '../observability/redact';
import { INTERNAL_ERROR_MESSAGE } from '../trpc/init';
import type { CallInfo } from './call-info';

const OK = 200;

/** `authors.update` with `{id: 7}` → `authors/7`; the namespace alone when the input names no id. */
function resourceOf(path: string, input: unknown): string {
  const dot = path.indexOf('.');
  const namespace = dot === -1 ? path : path.slice(0, dot);
  const id = typeof input === 'object' && input !== null ? (input as { id?: unknown }).id : undefined;
  return typeof id === 'number' || typeof id === 'string' ? `${namespace}/${id}` : namespace;
}

/** Queues the audit row of a finished call that began at `timestamp`; anonymous calls have none. */
export async function auditCall(
  { ctx, path, getRawInput }: CallInfo,
  error: TRPCError | undefined,
  timestamp: Date,
  elapsedMs: number,
): Promise<void> {
  const { user, request } = ctx;
  if (!user) return;
  // Raw input: what the caller sent (already parsed from the wire), before validation.
  const input = await getRawInput().catch(() => undefined);
  ctx.services.telemetry.audit.record({
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
    request_data: input === undefined ? null : redactSecrets(input).data,
    status_code: error ? getHTTPStatusCodeFromError(error) : OK,
    // Details of unexpected errors stay in the server log (same correlation id), as for clients.
    error_message: error ? (isUnexpected(error) ? INTERNAL_ERROR_MESSAGE : error.message) : null,
    duration_ms: Math.round(elapsedMs),
  });
}
