// Access-token verification shared by every transport: signature against a key set (JWKS), issuer,
// expiry and not-before with a clock tolerance of CLOCK_TOLERANCE_SECONDS, asymmetric algorithms only
// (never `none`, never HMAC — a public key must not double as a shared secret), and the token's
// client: with OIDC_AUDIENCE set, `aud` must name it; without, `azp` or `aud` must name
// OIDC_CLIENT_ID, so a token the realm issued to another client is not honoured here (Keycloak
// resource servers check the same). The tolerance holds everywhere a token's end is checked: the
// user's `expiresAt` already includes it.
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ACCESS_TOKEN_TYPE, userFromClaims } from './claims';
import { AuthError } from './errors';
import type { User } from './user';

export const ACCEPTED_ALGORITHMS = [
  ...['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  ...['ES256', 'ES384', 'ES512', 'EdDSA'],
];
export const CLOCK_TOLERANCE_SECONDS = 30;

export interface AccessTokenVerifierOptions {
  /** Expected `iss`; a function because the embedded issuer's URL is known only once listening. */
  issuer: () => string;
  keys: JWTVerifyGetKey;
  clientId: string;
  /** Required `aud` value, when configured. */
  audience: string | undefined;
}

/** Verifies a raw access token; resolves with its user or rejects with an AuthError, never anything else. */
export type AccessTokenVerifier = (token: string) => Promise<User>;

export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  return async (token) => {
    const { payload } = await jwtVerify(token, options.keys, {
      issuer: options.issuer(),
      ...(options.audience ? { audience: options.audience } : {}),
      algorithms: ACCEPTED_ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp'],
    }).catch((error: unknown) => {
      throw describeVerificationError(error);
    });
    // Keycloak marks refresh and ID tokens with another `typ`; they must not pass as access tokens.
    if (payload.typ !== undefined && payload.typ !== ACCESS_TOKEN_TYPE) {
      throw new AuthError('invalid_token', 'Invalid token: not an access token');
    }
    if (!options.audience && !isForClient(payload, options.clientId)) {
      throw new AuthError('invalid_token', 'Invalid token: issued to another client');
    }
    const user = userFromClaims(payload, options.clientId);
    if (!user) throw new AuthError('invalid_token', 'Invalid token: no subject');
    // `exp` is required above, so this is always set.
    return { ...user, expiresAt: (payload.exp ?? 0) + CLOCK_TOLERANCE_SECONDS };
  };
}

/** Whether the token's authorized party (`azp`) or one of its audiences (`aud`) is `clientId`. */
function isForClient({ azp, aud }: JWTPayload, clientId: string): boolean {
  return azp === clientId || (Array.isArray(aud) ? aud.includes(clientId) : aud === clientId);
}

/** Client-safe wording for why a token was refused. */
export function describeVerificationError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) return new AuthError('invalid_token', 'Token expired', { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new AuthError('invalid_token', `Invalid token: ${error.message}`, { cause: error });
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new AuthError('invalid_token', 'Invalid token: unknown signing key', { cause: error });
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthError('invalid_token', 'Invalid token: bad signature', { cause: error });
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthError('invalid_token', 'Invalid token: signing algorithm not allowed', { cause: error });
  }
  if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
    // The key set could not be fetched: the token may be fine, but it cannot be trusted.
    const message = 'Cannot verify token: identity provider unavailable';
    return new AuthError('provider_unavailable', message, { cause: error });
  }
  return new AuthError('invalid_token', 'Invalid token: malformed', { cause: error });
}
