// Base procedures every feature router builds on; cross-cutting middleware is attached here once.
// Order matters: observe (metrics, log line) wraps everything; audit wraps rate limiting and
// authorization so that refused calls are recorded too (see middleware/audit.ts).
import { audit } from '../middleware/audit';
import { observe } from '../middleware/observe';
import { rateLimit } from '../middleware/rate-limit';
import { baseProcedure } from './init';

export const publicProcedure = baseProcedure.use(observe).use(audit).use(rateLimit);
