// The typed client: one call gives a tRPC client with full inference over the server's router.
import { createTRPCClient, httpBatchStreamLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '@authors/server/router';
import superjson from 'superjson';

export type { AppRouter };
export { TRPCClientError } from '@trpc/client';

export interface ClientOptions {
  /** Base URL of the server, e.g. `http://localhost:8000`. */
  url: string;
  /** A fixed access token. */
  token?: string;
  /** Called before each request; wins over `token`. Return undefined for anonymous calls. */
  getToken?: () => string | undefined | Promise<string | undefined>;
}

export type AuthorsClient = TRPCClient<AppRouter>;

export function createClient(options: ClientOptions): AuthorsClient {
  const getToken = options.getToken ?? (() => options.token);
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchStreamLink({
        url: `${options.url.replace(/\/$/, '')}/trpc`,
        transformer: superjson,
        async headers() {
          const token = await getToken();
          return token ? { Authorization: `Bearer ${token}` } : {};
        },
      }),
    ],
  });
}
