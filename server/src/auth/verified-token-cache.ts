// Remembers access tokens that passed verification, so a client sending the same token on every
// request pays for one RS256 signature check (the largest single cost of a small read) rather than
// one per request. Safe because an access token is stateless until `exp`: verifying it again
// before then gives the same answer. Bounds: entries live until the token's `exp` but at most
// MAX_AGE_MS (so a signing key withdrawn from an OIDC provider's JWKS stops being honoured within
// that time), and the least recently used entry goes when MAX_ENTRIES are held. Refused tokens are
// never cached: they are verified (and refused) every time.
import type { AccessTokenVerifier } from './token-verifier';
import type { User } from './user';

const MAX_ENTRIES = 10_000;
const MAX_AGE_MS = 60_000;

interface Entry {
  user: User;
  validUntil: number;
}

export function cacheVerifiedTokens(
  verify: AccessTokenVerifier,
  options: { maxEntries?: number; maxAgeMs?: number; now?: () => number } = {},
): AccessTokenVerifier {
  const { maxEntries = MAX_ENTRIES, maxAgeMs = MAX_AGE_MS, now = Date.now } = options;
  const entries = new Map<string, Entry>();
  // The token used last is already the Map's last entry: a client repeating its token (the usual
  // case) skips the delete and re-insert that move an entry there.
  let lastUsed: string | undefined;
  return async (token) => {
    const cached = entries.get(token);
    if (cached) {
      if (now() < cached.validUntil) {
        if (token !== lastUsed) {
          entries.delete(token);
          entries.set(token, cached); // most recently used goes last
          lastUsed = token;
        }
        return cached.user;
      }
      entries.delete(token);
    }
    const verified = await verify(token);
    // Shared by every request presenting this token: frozen so no caller can change another's user.
    const user: User = Object.freeze({ ...verified, roles: Object.freeze([...verified.roles]) as string[] });
    const expiresAt = user.expiresAt === undefined ? Infinity : user.expiresAt * 1000;
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(token, { user, validUntil: Math.min(expiresAt, now() + maxAgeMs) });
    lastUsed = token;
    return user;
  };
}
