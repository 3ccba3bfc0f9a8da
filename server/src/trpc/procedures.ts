// Base procedures every feature router builds on; cross-cutting middleware is attached here once.
import { rateLimit } from '../middleware/rate-limit';
import { baseProcedure } from './init';

export const publicProcedure = baseProcedure.use(rateLimit);
