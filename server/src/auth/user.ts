// The authenticated caller, as every transport sees it after verifying a token.
export interface User {
  /** The token's `sub`: a stable user id. */
  sub: string;
  /** The token's `preferred_username`. */
  username: string;
  /** Union of realm and client roles; may include roles this API does not use. */
  roles: string[];
  /** The access token's `exp` (epoch seconds): connection-oriented transports end the socket then. */
  expiresAt?: number;
}
