// The app router: every feature router under its namespace. Its type is the client's contract.
import { router } from '../trpc/init';
import { authRouter } from './auth';
import { authorsRouter } from './authors';

export const appRouter = router({
  auth: authRouter,
  authors: authorsRouter,
});

export type AppRouter = typeof appRouter;
