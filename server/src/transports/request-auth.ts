// Who is calling, from a bearer token (an `Authorization` header, or tRPC's `connectionParams` for
// SSE and WebSocket clients that cannot set headers), for every transport.
import type { IncomingMessage } from 'node:http';
import type { TRPCRequestInfo } from '@trpc/server/http';
import { AuthError } from '../auth/errors';
import type { AuthService } from '../auth/auth-service';
import type { Context } from '../trpc/context';

export type Caller = Pick<Context, 'user' | 'authFailure'>;

/**
 * Anonymous without a header; with one, the verified user or, when the token is refused, no user
 * and the reason. Refusal is not an error here: public procedures (login) still work, and the RBAC
 * middleware answers UNAUTHORIZED with the reason for the others.
 */
export async function callerOf(token: string | undefined, auth: Pick<AuthService, 'authenticate'>): Promise<Caller> {
  if (!token) return { user: null };
  try {
    return { user: await auth.authenticate(token) };
  } catch (error) {
    if (error instanceof AuthError) return { user: null, authFailure: error.message };
    throw error;
  }
}

/** The token of a request: its `Authorization` header, else `connectionParams.token` (SSE, WebSocket). */
export function bearerTokenOf(req: IncomingMessage, info?: Pick<TRPCRequestInfo, 'connectionParams'>): string | undefined {
  const fromParams = info?.connectionParams?.token;
  return req.headers.authorization ?? (typeof fromParams === 'string' ? fromParams : undefined);
}
