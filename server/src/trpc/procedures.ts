// Base procedures every feature router builds on; cross-cutting middleware is attached here once.
import { baseProcedure } from './init';

export const publicProcedure = baseProcedure;
