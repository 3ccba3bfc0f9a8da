// A remote OIDC provider (Keycloak, or another instance's embedded issuer): endpoints from its
// discovery document, keys from its JWKS (cached; re-fetched when a token names an unknown `kid`),
// logins as OAuth2 password / refresh-token grants against its token endpoint.
// Discovery is fetched on first use and retried after a failure, so this server starts (and answers
// 401/502 rather than crashing) while the provider is down.
import { tokenSetSchema, type TokenSet } from '@authors/shared';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { AuthError } from './errors';
import type { IdentityProvider } from './identity-provider';

export interface OidcProviderOptions {
  issuerUrl: string;
  clientId: string;
  clientSecret: string | undefined;
  /** Used when the provider's answer has no `refresh_expires_in`. */
  refreshTokenTtl: number;
}

const REQUEST_TIMEOUT_MS = 5_000;

const discoverySchema = z.object({
  issuer: z.string(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  revocation_endpoint: z.url().optional(),
});
type Discovery = z.infer<typeof discoverySchema>;

// Providers differ in details: "bearer" in lower case, no refresh_expires_in, or 0 for "no expiry".
const providerTokenSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().int(),
  refresh_expires_in: z.number().int().optional(),
  token_type: z.string().regex(/^bearer$/i),
});
const providerErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

const unavailable = (reason: string, cause?: unknown) =>
  new AuthError('provider_unavailable', `Identity provider unavailable: ${reason}`, { cause });

async function fetchJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw unavailable('no answer', error);
  }
  const body: unknown = await response.json().catch(() => undefined);
  return { status: response.status, body };
}

export function createOidcProvider(options: OidcProviderOptions): IdentityProvider {
  const issuer = options.issuerUrl.replace(/\/+$/, '');
  let discovered: Promise<Discovery & { keys: JWTVerifyGetKey }> | undefined;

  const discover = async () => {
    const { status, body } = await fetchJson(`${issuer}/.well-known/openid-configuration`);
    const parsed = discoverySchema.safeParse(body);
    if (status !== 200 || !parsed.success) throw unavailable(`discovery answered ${status}`);
    if (parsed.data.issuer !== issuer) {
      throw unavailable(`discovery names issuer ${parsed.data.issuer}, expected ${issuer}`);
    }
    return {
      ...parsed.data,
      keys: createRemoteJWKSet(new URL(parsed.data.jwks_uri), { timeoutDuration: REQUEST_TIMEOUT_MS }),
    };
  };
  const discovery = () => {
    discovered ??= discover().catch((error: unknown) => {
      discovered = undefined;
      throw error;
    });
    return discovered;
  };

  const clientForm = () => ({
    client_id: options.clientId,
    ...(options.clientSecret ? { client_secret: options.clientSecret } : {}),
  });

  const grant = async (form: Record<string, string>): Promise<TokenSet> => {
    const { token_endpoint } = await discovery();
    const { status, body } = await fetchJson(token_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ ...clientForm(), ...form }),
    });
    if (status === 200) {
      const tokens = providerTokenSchema.safeParse(body);
      if (!tokens.success) throw unavailable('unusable token response');
      const refreshTtl = tokens.data.refresh_expires_in || options.refreshTokenTtl;
      return tokenSetSchema.parse({ ...tokens.data, refresh_expires_in: refreshTtl, token_type: 'Bearer' });
    }
    const failure = providerErrorSchema.safeParse(body);
    if ((status === 400 || status === 401) && failure.success && failure.data.error === 'invalid_grant') {
      throw new AuthError('invalid_grant', failure.data.error_description ?? 'Invalid credentials');
    }
    // invalid_client and friends are this server's misconfiguration, not the caller's mistake.
    throw unavailable(failure.success ? `${status} ${failure.data.error}` : `token endpoint answered ${status}`);
  };

  return {
    issuer: () => issuer,
    keys: async (header, token) => (await discovery()).keys(header, token),
    passwordGrant: (username, password) => grant({ grant_type: 'password', username, password, scope: 'openid' }),
    refreshGrant: (refreshToken) => grant({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    async revoke(refreshToken) {
      const { revocation_endpoint } = await discovery();
      if (!revocation_endpoint) return;
      const { status } = await fetchJson(revocation_endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...clientForm(), token: refreshToken, token_type_hint: 'refresh_token' }),
      });
      if (status !== 200) throw unavailable(`revocation endpoint answered ${status}`);
    },
  };
}
