// Who is calling, from an `Authorization: Bearer <jwt>` header, for every HTTP-based transport.
import type { IncomingMessage } from 'node:http';
import { AuthError } from '../auth/errors';
import type { AuthService } from '../auth/auth-service';
import type { Context } from '../trpc/context';

export type Caller = Pick<Context, 'user' | 'authFailure'>;

/**
 * Anonymous without a header; with one, the verified user or, when the token is refused, no user
 * and the reason. Refusal is not an error here: public procedures (login) still work, and the RBAC
 * middleware answers UNAUTHORIZED with the reason for the others.
 */
export async function callerOf(req: IncomingMessage, auth: Pick<AuthService, 'authenticate'>): Promise<Caller> {
  const header = req.headers.authorization;
  if (!header) return { user: null };
  try {
    return { user: await auth.authenticate(header) };
  } catch (error) {
    if (error instanceof AuthError) return { user: null, authFailure: error.message };
    throw error;
  }
}
