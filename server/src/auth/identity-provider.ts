// What the auth service needs from whoever issues tokens: the embedded issuer or a remote OIDC
// provider (Keycloak). Both answer with an OAuth2 token response and raise AuthError.
import type { TokenSet } from '@authors/shared';
import type { JWTVerifyGetKey } from 'jose';

export interface IdentityProvider {
  /** The `iss` of this provider's tokens. */
  issuer(): string;
  /** Keys that verify this provider's access tokens. */
  keys: JWTVerifyGetKey;
  /** OAuth2 password grant. `sessionId` becomes the tokens' `sid` where the provider lets us choose. */
  passwordGrant(username: string, password: string, sessionId: string): Promise<TokenSet>;
  /** OAuth2 refresh-token grant. */
  refreshGrant(refreshToken: string): Promise<TokenSet>;
  /** Tells the provider a refresh token is no longer wanted (best effort). */
  revoke(refreshToken: string): Promise<void>;
}
