// auth.login / refresh / logout / me. The refresh token is the credential of refresh and logout,
// so only `me` needs an access token.
import { currentUserSchema, loginInput, refreshTokenInput, tokenSetSchema } from '@authors/shared';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { AuthError } from '../auth/errors';
import { router } from '../trpc/init';
import { protectedProcedure, publicProcedure } from '../trpc/procedures';

/** AuthError → tRPC: the caller's credentials are UNAUTHORIZED; a provider that fails is BAD_GATEWAY. */
async function translated<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    const code = error.kind === 'provider_unavailable' ? 'BAD_GATEWAY' : 'UNAUTHORIZED';
    throw new TRPCError({ code, message: error.message, cause: error });
  }
}

export const authRouter = router({
  login: publicProcedure
    // Brute-force guard: a second window per client IP + username (LOGIN_RATE_LIMIT per minute).
    .meta({ rateLimit: { key: 'login' } })
    .input(loginInput)
    .output(tokenSetSchema)
    .mutation(({ ctx, input }) => translated(ctx.services.auth.login(input.username, input.password))),

  refresh: publicProcedure
    .input(refreshTokenInput)
    .output(tokenSetSchema)
    .mutation(({ ctx, input }) => translated(ctx.services.auth.refresh(input.refresh_token))),

  logout: publicProcedure
    .input(refreshTokenInput)
    .output(z.void())
    .mutation(({ ctx, input }) => translated(ctx.services.auth.logout(input.refresh_token))),

  me: protectedProcedure.output(currentUserSchema).query(({ ctx }) => ctx.user),
});
