// Starts a real server in-process on port 0 and cleans up with `await using`,
// in the spirit of tRPC's own `trpcServerResource` test helper.
import { createClient, type AuthorsClient } from '@authors/client';
import { createApp, loadConfig, type App } from '@authors/server';
import type { TokenSet } from '@authors/shared';
import { pino } from 'pino';
import { createTestDatabase } from './services';

export type Driver = 'postgres' | 'pglite';

export interface TestServer extends AsyncDisposable {
  app: App;
  url: string;
  client(token?: string): AuthorsClient;
  /** Every log line so far (empty unless started with `captureLogs`). */
  logs(): string;
  /** Logs in (dev users' password is their name) and returns the token response. */
  login(username: string, password?: string): Promise<TokenSet>;
  /** A client signed in as `username` (a dev user by default: admin, writer, reader, nobody). */
  clientAs(username: string, password?: string): Promise<AuthorsClient>;
}

export interface TestServerOptions {
  driver?: Driver;
  /** Extra environment for loadConfig. */
  env?: Record<string, string>;
  /** Keep every log line (level trace) for assertions, instead of discarding them. */
  captureLogs?: boolean;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.driver === 'postgres' ? await createTestDatabase() : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...options.env,
  });
  let logs = '';
  const logger = options.captureLogs
    ? pino({ level: 'trace' }, { write: (line: string) => void (logs += line) })
    : pino({ level: 'silent' });
  const app = await createApp(config, logger);
  const { port } = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const login = (username: string, password = username) =>
    createClient({ url }).auth.login.mutate({ username, password });
  return {
    app,
    url,
    logs: () => logs,
    client: (token) => createClient({ url, token }),
    login,
    clientAs: async (username, password) => createClient({ url, token: (await login(username, password)).access_token }),
    async [Symbol.asyncDispose]() {
      await app.close();
      await database?.[Symbol.asyncDispose]();
    },
  };
}
