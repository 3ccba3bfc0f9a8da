// A signed-in user's tokens, kept fresh: `getToken` hands out the access token and, shortly before it
// expires, trades the refresh token for a new set (auth.refresh), so long-lived programs — a browser
// tab, `authors watch` — stay signed in past the access token's few minutes. Pass `getToken` to
// createClient; persist the tokens through `onChange` (sessionStorage, a config file).
import type { TokenSet } from '@authors/shared';
import { TRPCClientError } from '@trpc/client';
import { createClient } from './create-client';

/** A token set with the time it was issued, which its relative `expires_in` counts from. */
export interface SessionTokens {
  tokens: TokenSet;
  /** Epoch milliseconds. */
  obtainedAt: number;
}

export interface TokenSessionOptions {
  /** Base URL of the server. */
  url: string;
  /** Tokens from an earlier run (e.g. read from storage). */
  initial?: SessionTokens | undefined;
  /** Called after login, refresh and logout (`undefined`): the place to persist the tokens. */
  onChange?: (session: SessionTokens | undefined) => void;
  /** Refresh this many seconds before the access token expires (default 30). */
  refreshMarginSeconds?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface TokenSession {
  /** The current access token, refreshed first when due; `undefined` when signed out or the refresh was refused. */
  getToken(): Promise<string | undefined>;
  login(username: string, password: string): Promise<TokenSet>;
  /** Revokes the refresh token on the server (best effort) and forgets the tokens. */
  logout(): Promise<void>;
  readonly current: SessionTokens | undefined;
}

export function createTokenSession(options: TokenSessionOptions): TokenSession {
  const now = options.now ?? Date.now;
  const marginMs = (options.refreshMarginSeconds ?? 30) * 1000;
  const auth = createClient({ url: options.url }).auth;
  let current = options.initial;
  // Concurrent callers (a batch, a WebSocket reconnect) share one refresh: a refresh token is single-use.
  let refreshing: Promise<string | undefined> | undefined;

  const set = (next: SessionTokens | undefined) => {
    current = next;
    options.onChange?.(next);
  };
  const issued = (tokens: TokenSet) => set({ tokens, obtainedAt: now() });

  async function refresh(session: SessionTokens): Promise<string | undefined> {
    if (now() >= session.obtainedAt + session.tokens.refresh_expires_in * 1000) {
      set(undefined);
      return undefined;
    }
    try {
      issued(await auth.refresh.mutate({ refresh_token: session.tokens.refresh_token }));
      return current?.tokens.access_token;
    } catch (error) {
      // A refused refresh token (expired, revoked, rotated) ends the session; anything else (the
      // server unreachable) is the caller's to see, and the tokens are kept for the next try.
      if (error instanceof TRPCClientError && error.data?.code === 'UNAUTHORIZED') {
        set(undefined);
        return undefined;
      }
      throw error;
    }
  }

  return {
    get current() {
      return current;
    },
    async getToken() {
      const session = current;
      if (!session) return undefined;
      if (now() < session.obtainedAt + session.tokens.expires_in * 1000 - marginMs) return session.tokens.access_token;
      refreshing ??= refresh(session).finally(() => (refreshing = undefined));
      return refreshing;
    },
    async login(username, password) {
      const tokens = await auth.login.mutate({ username, password });
      issued(tokens);
      return tokens;
    },
    async logout() {
      const session = current;
      set(undefined);
      if (session) await auth.logout.mutate({ refresh_token: session.tokens.refresh_token }).catch(() => {});
    },
  };
}
