// The server as its own OIDC issuer: checks passwords against the users table and signs
// Keycloak-shaped tokens. Stateless: sessions (rotation, revocation) are the auth service's job.
import { randomUUID } from 'node:crypto';
import type { TokenSet } from '@authors/shared';
import { jwtVerify, SignJWT } from 'jose';
import type { StoredUser, UsersRepository } from '../db/users-repository';
import { ACCESS_TOKEN_TYPE, REFRESH_TOKEN_TYPE, type KeycloakClaims } from './claims';
import { AuthError } from './errors';
import type { IdentityProvider } from './identity-provider';
import { verifyAgainstDecoy, verifyPassword } from './passwords';
import type { SigningKeys } from './signing-keys';
import { ACCEPTED_ALGORITHMS, CLOCK_TOLERANCE_SECONDS } from './token-verifier';

export interface EmbeddedIssuerOptions {
  issuer: () => string;
  users: UsersRepository;
  keys: SigningKeys;
  clientId: string;
  /** Added to `aud` so that verifiers requiring it accept our tokens. */
  audience: string | undefined;
  accessTokenTtl: number;
  refreshTokenTtl: number;
}

const SCOPE = 'openid profile';

export function createEmbeddedIssuer(options: EmbeddedIssuerOptions): IdentityProvider {
  const { keys, clientId } = options;

  const sign = (claims: KeycloakClaims, ttl: number) => {
    // One clock reading, so that `exp - iat` is exactly the TTL.
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: keys.signing.algorithm, kid: keys.signing.kid, typ: 'JWT' })
      .setIssuer(options.issuer())
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(keys.signing.key);
  };

  const issue = async (user: StoredUser, sessionId: string): Promise<TokenSet> => {
    const common = { sub: user.id, azp: clientId, sid: sessionId, scope: SCOPE };
    const [accessToken, refreshToken] = await Promise.all([
      sign(
        {
          ...common,
          typ: ACCESS_TOKEN_TYPE,
          aud: options.audience ? [clientId, options.audience] : clientId,
          preferred_username: user.username,
          realm_access: { roles: user.roles },
        },
        options.accessTokenTtl,
      ),
      // Like Keycloak's, a refresh token is addressed to the issuer itself.
      sign({ ...common, typ: REFRESH_TOKEN_TYPE, aud: options.issuer() }, options.refreshTokenTtl),
    ]);
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      expires_in: options.accessTokenTtl,
      refresh_expires_in: options.refreshTokenTtl,
      token_type: 'Bearer',
    };
  };

  const invalidRefreshToken = (cause?: unknown) =>
    new AuthError('invalid_grant', 'Invalid refresh token', { cause });

  return {
    issuer: options.issuer,
    keys: keys.keys,

    async passwordGrant(username, password, sessionId) {
      const user = await options.users.byUsername(username);
      const valid = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDecoy(password);
      if (!user || !valid) throw new AuthError('invalid_grant', 'Invalid user credentials');
      return issue(user, sessionId);
    },

    async refreshGrant(refreshToken) {
      const { payload } = await jwtVerify<KeycloakClaims>(refreshToken, keys.keys, {
        issuer: options.issuer(),
        audience: options.issuer(),
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'sid', 'exp'],
      }).catch((error: unknown) => {
        throw invalidRefreshToken(error);
      });
      if (payload.typ !== REFRESH_TOKEN_TYPE || payload.azp !== clientId) throw invalidRefreshToken();
      // Roles are read again, so a change made with `npm run user` applies from the next refresh.
      const user = await options.users.byId(payload.sub ?? '');
      if (!user) throw new AuthError('invalid_grant', 'User no longer exists');
      return issue(user, payload.sid);
    },

    // Revocation is the session store's job; there is nothing more to forget here.
    revoke: async () => {},
  };
}
