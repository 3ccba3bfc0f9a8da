// How failures look on the REST wire: an HTTP status and a `{"detail": …}` body. What to say is the
// error policy's (trpc/error-policy.ts); this file only writes it down.
import type { OutgoingHttpHeaders } from 'node:http';
import type { PublicError } from '../../trpc/error-policy';

/** A failure of the adapter itself (bad JSON, oversize body), before any procedure runs. */
export class RestError extends Error {
  override name = 'RestError';
  constructor(
    readonly status: 400 | 413,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export interface ErrorResponse {
  status: number;
  body: { detail: string; issues?: unknown[] };
  headers: OutgoingHttpHeaders;
}

/** A 422 (invalid input) adds zod's issues, empty when something else refused the input. */
export function errorResponseOf({ rest: { status, detail }, issues }: PublicError): ErrorResponse {
  const body = status === 422 ? { detail, issues: issues ?? [] } : { detail };
  return { status, body, headers: status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {} };
}
