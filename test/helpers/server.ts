// Starts a real server in-process on port 0 and cleans up with `await using`,
// in the spirit of tRPC's own `trpcServerResource` test helper.
import { createClient, type AuthorsClient, type ClientOptions } from '@authors/client';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { createApp, loadConfig, type App } from '@authors/server';
import type { TokenSet } from '@authors/shared';
import { pino, type Logger } from 'pino';
import { createTestDatabase } from './services';

export type Driver = 'postgres' | 'pglite';

export interface TestServer extends AsyncDisposable {
  app: App;
  url: string;
  /** The test database (driver 'postgres'), to inspect rows after the app has closed. */
  databaseUrl: string | undefined;
  client(token?: string, options?: Partial<ClientOptions>): AuthorsClient;
  /** Logs in (dev users' password is their name) and returns the token response. */
  login(username: string, password?: string): Promise<TokenSet>;
  /** An access token for `username` straight from the auth service: no transport, metric or log line sees it. */
  tokenFor(username: string, password?: string): Promise<string>;
  /** A client signed in as `username` (a dev user by default: admin, writer, reader, nobody). */
  clientAs(username: string, password?: string, options?: Partial<ClientOptions>): Promise<AuthorsClient>;
}

export interface TestServerOptions {
  driver?: Driver;
  /** Extra environment for loadConfig. Rate limiting is off unless a test sets RATE_LIMIT_ENABLED. */
  env?: Record<string, string>;
  /** Defaults to a silent logger; pass `captureLogs().logger` (test/helpers/logs.ts) to read the lines. */
  logger?: Logger;
  /** Defaults to 0 (a free port); a fixed one when the URL must be known first (PUBLIC_URL, an OIDC issuer). */
  port?: number;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.driver === 'postgres' ? await createTestDatabase() : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...options.env,
  });
  const app = await createApp(config, options.logger ?? pino({ level: 'silent' }));
  const { port } = await app.listen(options.port ?? 0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const client = (token?: string, clientOptions?: Partial<ClientOptions>) =>
    createClient({
      url,
      token,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      EventSource: EventSource as unknown as typeof globalThis.EventSource,
      ...clientOptions,
    });
  const login = (username: string, password = username) => client().auth.login.mutate({ username, password });
  return {
    app,
    url,
    databaseUrl: database?.url,
    client,
    login,
    tokenFor: async (username, password = username) =>
      (await app.services.auth.login(username, password)).access_token,
    clientAs: async (username, password, clientOptions) =>
      client((await login(username, password)).access_token, clientOptions),
    async [Symbol.asyncDispose]() {
      await app.close();
      await database?.[Symbol.asyncDispose]();
    },
  };
}
