// The signed-in user of this tab: tokens kept fresh by the client's token session and stored in
// sessionStorage (per tab, gone when it closes), so a reload stays signed in.
import { createClient, createTokenSession, type AuthorsClient, type CurrentUser, type SessionTokens } from '@authors/client';

const STORAGE_KEY = 'authors.session';

function stored(): SessionTokens | undefined {
  const text = sessionStorage.getItem(STORAGE_KEY);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as SessionTokens;
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
    return undefined;
  }
}

export interface SignedIn {
  user: CurrentUser;
  client: AuthorsClient;
  can(role: string): boolean;
}

export function createSession(url: string) {
  const tokens = createTokenSession({
    url,
    initial: stored(),
    onChange: (next) =>
      next ? sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next)) : sessionStorage.removeItem(STORAGE_KEY),
  });

  /** A fresh client per sign-in, so its WebSocket authenticates as this user. */
  async function signedIn(): Promise<SignedIn> {
    const client = createClient({ url, getToken: tokens.getToken });
    const user = await client.auth.me.query();
    return { user, client, can: (role) => user.roles.includes(role) };
  }

  return {
    /** The user from an earlier visit, if the stored tokens still work. */
    async resume(): Promise<SignedIn | undefined> {
      if (!tokens.current) return undefined;
      return signedIn().catch(() => undefined);
    },
    async login(username: string, password: string): Promise<SignedIn> {
      await tokens.login(username, password);
      return signedIn();
    },
    logout: () => tokens.logout(),
  };
}
