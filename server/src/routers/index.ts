// The app router: every feature router under its namespace. Its type is the client's contract.
import { router } from '../trpc/init';
import { auditRouter } from './audit';
import { authRouter } from './auth';
import { authorsRouter } from './authors';
import { systemRouter } from './system';

export const appRouter = router({
  auth: authRouter,
  authors: authorsRouter,
  system: systemRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
