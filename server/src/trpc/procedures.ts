// Base procedures every feature router builds on; the cross-cutting steps (observe, audit, rate
// limit, RBAC) are attached here once, as one middleware (see middleware/call.ts for their order).
import { protectedCall, publicCall } from '../middleware/call';
import { baseProcedure } from './init';

export const publicProcedure = baseProcedure.use(publicCall);

/** Signed-in callers holding the roles of the procedure's `.meta({ roles })`; `ctx.user` is non-null. */
export const protectedProcedure = baseProcedure.use(protectedCall);
