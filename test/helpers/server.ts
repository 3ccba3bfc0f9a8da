// Starts a real server in-process on port 0 and cleans up with `await using`,
// in the spirit of tRPC's own `trpcServerResource` test helper.
import { createClient, type AuthorsClient } from '@authors/client';
import { createApp, loadConfig, type App } from '@authors/server';
import { pino, type Logger } from 'pino';
import { createTestDatabase } from './services';

export type Driver = 'postgres' | 'pglite';

export interface TestServer extends AsyncDisposable {
  app: App;
  url: string;
  /** The test database (driver 'postgres'), to inspect rows after the app has closed. */
  databaseUrl: string | undefined;
  client(token?: string): AuthorsClient;
}

export interface TestServerOptions {
  driver?: Driver;
  /** Extra environment for loadConfig. */
  env?: Record<string, string>;
  /** Defaults to a silent logger; pass one (e.g. test/helpers/logs.ts) to inspect log lines. */
  logger?: Logger;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.driver === 'postgres' ? await createTestDatabase() : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...options.env,
  });
  const app = await createApp(config, options.logger ?? pino({ level: 'silent' }));
  const { port } = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    databaseUrl: database?.url,
    client: (token) => createClient({ url, token }),
    async [Symbol.asyncDispose]() {
      await app.close();
      await database?.[Symbol.asyncDispose]();
    },
  };
}
