// How failures look on the REST wire: an HTTP status and a `{"detail": …}` body.
import type { OutgoingHttpHeaders } from 'node:http';
import type { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { z } from 'zod';
import { DATABASE_UNAVAILABLE_MESSAGE, INTERNAL_ERROR_MESSAGE, isDatabaseUnavailableError } from '../../trpc/init';

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

export const RATE_LIMIT_DETAIL = 'Rate limit exceeded. Please try again later.';

export interface ErrorResponse {
  status: number;
  body: { detail: string; issues?: unknown[] };
  headers: OutgoingHttpHeaders;
}

/**
 * Maps a procedure's TRPCError. Invalid input (BAD_REQUEST) is 422 — the client sent data the API
 * cannot accept — with zod's issues when validation found them. Internal errors never leak their message;
 * an unreachable database is 503 (the server's fault, temporary: retry later).
 */
export function errorResponseOf(error: TRPCError): ErrorResponse {
  switch (error.code) {
    case 'BAD_REQUEST':
      return error.cause instanceof z.ZodError
        ? { status: 422, body: { detail: 'Invalid data', issues: error.cause.issues }, headers: {} }
        : { status: 422, body: { detail: error.message, issues: [] }, headers: {} };
    case 'UNAUTHORIZED':
      return { status: 401, body: { detail: error.message }, headers: { 'WWW-Authenticate': 'Bearer' } };
    case 'TOO_MANY_REQUESTS':
      return { status: 429, body: { detail: RATE_LIMIT_DETAIL }, headers: {} };
    case 'INTERNAL_SERVER_ERROR':
      if (isDatabaseUnavailableError(error)) {
        return { status: 503, body: { detail: DATABASE_UNAVAILABLE_MESSAGE }, headers: {} };
      }
      return { status: 500, body: { detail: INTERNAL_ERROR_MESSAGE }, headers: {} };
    default:
      return { status: getHTTPStatusCodeFromError(error), body: { detail: error.message }, headers: {} };
  }
}
