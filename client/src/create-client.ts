// createClient: one call gives a tRPC client with full inference over the server's router.
// Queries and mutations go over HTTP (batched); subscriptions over WebSocket (default) or
// Server-Sent Events, and resume from their last event id after a reconnect.
import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  wsLink,
  type OperationLink,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';
import type { AppRouter } from '@authors/server/router';
import superjson from 'superjson';

export type { AppRouter };

type Token = string | undefined;

export interface ClientOptions {
  /** Base URL of the server, e.g. `http://localhost:8000`. */
  url: string;
  /** A fixed access token. */
  token?: string;
  /** Called before each request (and each WebSocket connect); wins over `token`. */
  getToken?: () => Token | Promise<Token>;
  /** Transport for subscriptions: `ws` (default) or `sse`. */
  subscriptions?: 'ws' | 'sse';
  /** WebSocket implementation where there is no global one (Node 20: pass `ws`). */
  WebSocket?: typeof globalThis.WebSocket;
  /** EventSource implementation where there is no global one (Node: the `eventsource` package). */
  EventSource?: typeof globalThis.EventSource;
}

export type AuthorsClient = TRPCClient<AppRouter>;

/** Reconnect quickly at first, then back off to at most 5 s. */
const retryDelayMs = (attempt: number) => Math.min(250 * 2 ** attempt, 5_000);

/**
 * Builds the wrapped link on first use, so a client that never subscribes never needs a WebSocket
 * implementation (Node 20 has none unless `ws` is passed).
 */
function lazyLink(create: () => TRPCLink<AppRouter>): TRPCLink<AppRouter> {
  return (runtime) => {
    let link: OperationLink<AppRouter> | undefined;
    return (operation) => (link ??= create()(runtime))(operation);
  };
}

export function createClient(options: ClientOptions): AuthorsClient {
  const base = options.url.replace(/\/$/, '');
  const getToken = options.getToken ?? (() => options.token);
  const connectionParams = async (): Promise<Record<string, string>> => {
    const token = await getToken();
    return token ? { token } : {};
  };

  // An EventSource reconnects to the URL it was opened with, whose connectionParams hold the token of
  // that moment. The `eventsource` package (Node) fetches through this on every (re)connect, so each
  // carries a fresh token in the header, which the server prefers; a browser's EventSource ignores it.
  const fetchWithFreshToken = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const token = await getToken();
    const headers = { ...(init?.headers as Record<string, string> | undefined), ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    return fetch(url, { ...init, headers });
  };

  const subscriptionLink = (): TRPCLink<AppRouter> => {
    if (options.subscriptions === 'sse') {
      return httpSubscriptionLink({
        url: `${base}/trpc`,
        transformer: superjson,
        connectionParams,
        eventSourceOptions: { fetch: fetchWithFreshToken } as EventSourceInit,
        ...(options.EventSource ? { EventSource: options.EventSource } : {}),
      });
    }
    const wsClient = createWSClient({
      url: `${base.replace(/^http/, 'ws')}/trpc`,
      connectionParams,
      retryDelayMs,
      // Open the socket only while a subscription is active, and close it when the last one ends.
      lazy: { enabled: true, closeMs: 0 },
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    });
    return wsLink({ client: wsClient, transformer: superjson });
  };

  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: lazyLink(subscriptionLink),
        // Not httpBatchStreamLink: a batch of one call (the usual case) then takes the server's
        // single-call path, and each answer carries its HTTP status and rate-limit headers.
        false: httpBatchLink({
          url: `${base}/trpc`,
          transformer: superjson,
          async headers() {
            const token = await getToken();
            return token ? { Authorization: `Bearer ${token}` } : {};
          },
        }),
      }),
    ],
  });
}
