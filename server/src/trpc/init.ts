// The one tRPC instance: superjson on the wire (trpc/wire-format.ts), typed meta, and an error shape
// that carries validation issues (for REST 422 and legacy status 2) but never internals.
import type { Role } from '@authors/shared';
import { initTRPC, type TRPCError } from '@trpc/server';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/errors';
import type { Context } from './context';
import { transformer } from './wire-format';

/**
 * A procedure's own rate limit. `key: 'caller'` (the default) replaces the default limit
 * with one counted per caller for this procedure alone; `key: 'login'` adds, on top of the default
 * per-caller limit, one per client IP + the input's `username` against brute force. `limit` defaults
 * to RATE_LIMIT_PER_MINUTE (caller) or LOGIN_RATE_LIMIT (login), `windowSeconds` to 60.
 */
export interface RateLimitMeta {
  key?: 'caller' | 'login';
  limit?: number;
  windowSeconds?: number;
}

export interface Meta {
  /** Roles the caller must all hold; absent means the procedure needs no role. */
  roles?: Role[];
  rateLimit?: RateLimitMeta;
}

export const INTERNAL_ERROR_MESSAGE = 'Internal server error';
export const DATABASE_UNAVAILABLE_MESSAGE = 'Database unavailable, please try again later';

/**
 * An internal error caused by the database not answering. Its code stays INTERNAL_SERVER_ERROR, but
 * it is safe to say so (it reveals no internals) and the client can retry: REST answers 503.
 */
export function isDatabaseUnavailableError(error: TRPCError): boolean {
  return error.code === 'INTERNAL_SERVER_ERROR' && isDatabaseUnavailable(error.cause);
}

/** `per_page: Too small: expected number to be >=1; name: …` — readable in one line. */
function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer,
    isDev: false,
    errorFormatter({ shape, error }) {
      const validation = error.cause instanceof z.ZodError ? error.cause : undefined;
      const message = validation
        ? `Invalid data: ${describeIssues(validation.issues)}`
        : isDatabaseUnavailableError(error)
          ? DATABASE_UNAVAILABLE_MESSAGE
          : error.code === 'INTERNAL_SERVER_ERROR'
            ? INTERNAL_ERROR_MESSAGE
            : shape.message;
      return {
        ...shape,
        message,
        data: { ...shape.data, issues: validation?.issues ?? null },
      };
    },
  });

export const router = t.router;
export const middleware = t.middleware;
export const baseProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
