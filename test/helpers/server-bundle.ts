// The server bundle this test run built once (`npm run build -w @authors/server` into a directory of
// the run's own: see global-setup.ts), which spawned servers start from instead of tsx.
import { join } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's bundle directory: main.js, user.js and asyncapi-ui/, as in server/dist. */
    serverBundle: string;
  }
}

/** This run's bundle directory. */
export const serverBundleDir = (): string => inject('serverBundle');

/** The `node` arguments that start this run's bundled server. */
export const bundledServerArgs = (): string[] => [join(serverBundleDir(), 'main.js')];
