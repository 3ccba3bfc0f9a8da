// The one error type the auth layer raises. Callers map `kind` to their wire format
// (tRPC codes, OAuth2 error bodies, WebSocket close codes) and may show `message` to the client.

export type AuthErrorKind =
  /** An access token that is missing, malformed, forged, expired or not for us. */
  | 'invalid_token'
  /** Wrong username/password, or a refresh token that is unknown, expired, rotated or revoked. */
  | 'invalid_grant'
  /** The identity provider cannot be reached or answered something unusable. */
  | 'provider_unavailable';

export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    readonly kind: AuthErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
