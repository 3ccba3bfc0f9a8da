// The app router: every feature router under its namespace. Its type is the client's contract.
import { router } from '../trpc/init';
import { authorsRouter } from './authors';
import { systemRouter } from './system';

export const appRouter = router({
  authors: authorsRouter,
  system: systemRouter,
});

export type AppRouter = typeof appRouter;
