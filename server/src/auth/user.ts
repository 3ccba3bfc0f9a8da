// The authenticated caller, as every transport sees it after verifying a token.
export interface User {
  /** The token's `sub`: a stable user id. */
  sub: string;
  /** The token's `preferred_username`. */
  username: string;
  /** Union of realm and client roles; may include roles this API does not use. */
  roles: string[];
  /**
   * When this server stops accepting the access token (epoch seconds): its `exp` plus the clock
   * tolerance. Calls on a long-lived connection are refused from then on, and its socket is closed.
   */
  expiresAt?: number;
}
