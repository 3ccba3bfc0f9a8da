// Base procedures every feature router builds on; cross-cutting middleware is attached here once.
import { authorize } from '../middleware/authorize';
import { baseProcedure } from './init';

export const publicProcedure = baseProcedure;

/** Signed-in callers holding the roles of the procedure's `.meta({ roles })`; `ctx.user` is non-null. */
export const protectedProcedure = publicProcedure.use(authorize);
