// RBAC, once for every transport: the caller must be signed in and hold every role the procedure
// declares in `.meta({ roles })`. UNAUTHORIZED without a valid token (saying why the token was
// refused, or expired since a long-lived connection opened), FORBIDDEN naming the missing roles otherwise.
import { TRPCError } from '@trpc/server';
import type { User } from '../auth/user';
import type { CallInfo } from './call-info';

/** The caller, when allowed to make this call; throws UNAUTHORIZED or FORBIDDEN otherwise. */
export function authorizedUser({ ctx, meta }: Pick<CallInfo, 'ctx' | 'meta'>): User {
  const { user } = ctx;
  if (!user) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.authFailure ?? 'Authentication required' });
  }
  // A long-lived connection's context outlives the check made when it opened.
  if (user.expiresAt !== undefined && user.expiresAt * 1000 <= Date.now()) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Token expired' });
  }
  const missing = (meta?.roles ?? []).filter((role) => !user.roles.includes(role));
  if (missing.length > 0) {
    const noun = missing.length === 1 ? 'role' : 'roles';
    throw new TRPCError({ code: 'FORBIDDEN', message: `Missing required ${noun}: ${missing.join(', ')}` });
  }
  return user;
}
