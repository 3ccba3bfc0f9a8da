// The one tRPC instance: superjson on the wire (trpc/wire-format.ts), typed meta, and an error shape
// with the error policy's public message and zod's issues (`data.issues`), never internals.
import type { Role } from '@authors/shared';
import { initTRPC } from '@trpc/server';
import type { Context } from './context';
import { publicErrorOf } from './error-policy';
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

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer,
    isDev: false,
    // The message and issues are the error policy's (trpc/error-policy.ts); the rest is tRPC's shape.
    errorFormatter({ shape, error }) {
      const { message, issues } = publicErrorOf(error);
      return { ...shape, message, data: { ...shape.data, issues } };
    },
  });

export const router = t.router;
export const middleware = t.middleware;
export const baseProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
