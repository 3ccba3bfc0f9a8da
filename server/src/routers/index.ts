// The app router: every feature router under its namespace. Its type is the client's contract.
import { router } from '../trpc/init';
import { auditRouter } from './audit';
import { authorsRouter } from './authors';

export const appRouter = router({
  authors: authorsRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
