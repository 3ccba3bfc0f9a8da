// Starts a real server in-process on port 0 and cleans up with `await using`,
// in the spirit of tRPC's own `trpcServerResource` test helper.
import { createClient, type AuthorsClient, type ClientOptions } from '@authors/client';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { createApp, loadConfig, type App } from '@authors/server';
import { pino } from 'pino';
import { createTestDatabase } from './services';

export type Driver = 'postgres' | 'pglite';

export interface TestServer extends AsyncDisposable {
  app: App;
  url: string;
  client(token?: string, options?: Partial<ClientOptions>): AuthorsClient;
}

export interface TestServerOptions {
  driver?: Driver;
  /** Extra environment for loadConfig. Rate limiting is off unless a test sets RATE_LIMIT_ENABLED. */
  env?: Record<string, string>;
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
  const app = await createApp(config, pino({ level: 'silent' }));
  const { port } = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    client: (token, clientOptions) =>
      createClient({
        url,
        token,
        WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
        EventSource: EventSource as unknown as typeof globalThis.EventSource,
        ...clientOptions,
      }),
    async [Symbol.asyncDispose]() {
      await app.close();
      await database?.[Symbol.asyncDispose]();
    },
  };
}
