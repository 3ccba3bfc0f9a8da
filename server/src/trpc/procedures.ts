// Base procedures every feature router builds on; cross-cutting middleware is attached here once.
// Order matters: observe (metrics, log line) wraps everything; audit wraps rate limiting and
// authorization so that refused calls are recorded too (see middleware/audit.ts).
import { audit } from '../middleware/audit';
import { authorize } from '../middleware/authorize';
import { observe } from '../middleware/observe';
import { rateLimit } from '../middleware/rate-limit';
import { baseProcedure } from './init';

export const publicProcedure = baseProcedure.use(observe).use(audit).use(rateLimit);

/** Signed-in callers holding the roles of the procedure's `.meta({ roles })`; `ctx.user` is non-null. */
export const protectedProcedure = publicProcedure.use(authorize);
