// Authentication as procedures and transports use it: verify a token, log in, refresh, log out.
// Wraps an identity provider with sessions, so refresh tokens rotate (a rotated token coming back
// revokes its session) and logout revokes, whichever provider issued them.
import { createHash, randomUUID } from 'node:crypto';
import type { TokenSet } from '@authors/shared';
import type { Logger } from '../observability/logger';
import type { SessionStore } from '../state/sessions';
import { AuthError } from './errors';
import type { IdentityProvider } from './identity-provider';
import type { AccessTokenVerifier } from './token-verifier';
import type { User } from './user';

export interface AuthService {
  /**
   * Turns a raw access token (a leading `Bearer ` is tolerated) into its user. Rejects with an
   * AuthError and nothing else: kind `invalid_token` for a bad token (message says why, safe to
   * show), `provider_unavailable` when the keys to check it cannot be fetched. Stateless until
   * `exp`: no session lookup, so it is cheap enough for every call and every WebSocket message.
   */
  authenticate(token: string): Promise<User>;
  /** Password login; starts a session. AuthError `invalid_grant` for wrong credentials. */
  login(username: string, password: string): Promise<TokenSet>;
  /** Rotates the refresh token. AuthError `invalid_grant` for an unknown, expired, revoked or reused one. */
  refresh(refreshToken: string): Promise<TokenSet>;
  /** Revokes the token's session; an unknown or already revoked token is not an error. */
  logout(refreshToken: string): Promise<void>;
}

export interface AuthServiceOptions {
  provider: IdentityProvider;
  verify: AccessTokenVerifier;
  sessions: SessionStore;
  logger: Logger;
}

const BEARER_PREFIX = /^bearer\s+/i;
const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');
const reused = () => new AuthError('invalid_grant', 'Refresh token already used; the session is revoked');

export function createAuthService({ provider, verify, sessions, logger }: AuthServiceOptions): AuthService {
  const authenticate = (token: string) => verify(token.trim().replace(BEARER_PREFIX, ''));

  const revokeSession = async (sessionId: string, refreshToken: string) => {
    await sessions.revoke(sessionId);
    await provider.revoke(refreshToken).catch((error: unknown) =>
      logger.warn({ err: error }, 'identity provider did not confirm the revocation'),
    );
  };

  return {
    authenticate,

    async login(username, password) {
      const sessionId = randomUUID();
      const tokens = await provider.passwordGrant(username, password, sessionId).catch((error: unknown) => {
        if (error instanceof AuthError && error.kind === 'invalid_grant') {
          logger.info({ username, reason: error.message }, 'login failed');
        } else {
          logger.warn({ err: error, username }, 'login failed: identity provider error');
        }
        throw error;
      });
      const user = await authenticate(tokens.access_token).catch((error: unknown) => {
        throw new AuthError('provider_unavailable', 'Identity provider issued a token this server does not accept', {
          cause: error,
        });
      });
      await sessions.create(sessionId, user, tokenHash(tokens.refresh_token), tokens.refresh_expires_in);
      logger.info({ username: user.username, sub: user.sub }, 'login');
      return tokens;
    },

    async refresh(refreshToken) {
      const presented = tokenHash(refreshToken);
      const state = await sessions.find(presented);
      if (!state) throw new AuthError('invalid_grant', 'Invalid refresh token');
      if (!state.current) {
        logger.warn({ sessionId: state.sessionId }, 'rotated refresh token reused; session revoked');
        await revokeSession(state.sessionId, refreshToken);
        throw reused();
      }
      const tokens = await provider.refreshGrant(refreshToken).catch(async (error: unknown) => {
        if (error instanceof AuthError && error.kind === 'invalid_grant') await sessions.revoke(state.sessionId);
        throw error;
      });
      const next = tokenHash(tokens.refresh_token);
      const rotated = await sessions.rotate(state.sessionId, presented, next, tokens.refresh_expires_in);
      if (!rotated) {
        // A concurrent refresh with the same token won: the same token was used twice.
        await revokeSession(state.sessionId, tokens.refresh_token);
        throw reused();
      }
      return tokens;
    },

    async logout(refreshToken) {
      const state = await sessions.find(tokenHash(refreshToken));
      if (state) await revokeSession(state.sessionId, refreshToken);
    },
  };
}
