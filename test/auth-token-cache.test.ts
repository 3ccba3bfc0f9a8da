// The verified-token cache: one signature check per token until `exp` (at most a minute), bounded
// in size, never caching refusals, never handing out a user object a caller could change.
import { describe, expect, it } from 'vitest';
import { AuthError } from '../server/src/auth/errors';
import type { User } from '../server/src/auth/user';
import { cacheVerifiedTokens } from '../server/src/auth/verified-token-cache';

const NOW = 1_800_000_000_000;

function countingVerifier(expiresAt = NOW / 1000 + 300) {
  const calls: string[] = [];
  const verify = async (token: string): Promise<User> => {
    calls.push(token);
    if (token.startsWith('bad')) throw new AuthError('invalid_token', 'Invalid token: bad signature');
    return { sub: `sub-${token}`, username: token, roles: ['get-authors'], expiresAt };
  };
  return { calls, verify };
}

describe('cacheVerifiedTokens', () => {
  it('verifies a token once and answers repeats from the cache', async () => {
    const { calls, verify } = countingVerifier();
    const cached = cacheVerifiedTokens(verify, { now: () => NOW });
    const first = await cached('alice');
    const second = await cached('alice');
    await cached('bob');
    expect(second).toBe(first);
    expect(first).toEqual({ sub: 'sub-alice', username: 'alice', roles: ['get-authors'], expiresAt: NOW / 1000 + 300 });
    expect(calls).toEqual(['alice', 'bob']);
  });

  it('verifies again once the token expires or the entry is a minute old', async () => {
    let now = NOW;
    const shortLived = countingVerifier(NOW / 1000 + 10);
    const cached = cacheVerifiedTokens(shortLived.verify, { now: () => now });
    await cached('alice');
    now = NOW + 9_999;
    await cached('alice');
    now = NOW + 10_000;
    await cached('alice');
    expect(shortLived.calls).toEqual(['alice', 'alice']);

    const longLived = countingVerifier(NOW / 1000 + 3_600);
    now = NOW;
    const capped = cacheVerifiedTokens(longLived.verify, { now: () => now });
    await capped('bob');
    now = NOW + 60_000;
    await capped('bob');
    expect(longLived.calls).toEqual(['bob', 'bob']);
  });

  it('never caches a refused token', async () => {
    const { calls, verify } = countingVerifier();
    const cached = cacheVerifiedTokens(verify, { now: () => NOW });
    await expect(cached('bad-token')).rejects.toThrow('Invalid token: bad signature');
    await expect(cached('bad-token')).rejects.toBeInstanceOf(AuthError);
    expect(calls).toEqual(['bad-token', 'bad-token']);
  });

  it('evicts the least recently used token when full', async () => {
    const { calls, verify } = countingVerifier();
    const cached = cacheVerifiedTokens(verify, { maxEntries: 2, now: () => NOW });
    await cached('a');
    await cached('b');
    await cached('a'); // a is now the most recently used
    await cached('c'); // evicts b
    await cached('a');
    await cached('b');
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('hands out frozen users', async () => {
    const cached = cacheVerifiedTokens(countingVerifier().verify, { now: () => NOW });
    const user = await cached('alice');
    expect(Object.isFrozen(user)).toBe(true);
    expect(() => user.roles.push('admin')).toThrow(TypeError);
    expect((await cached('alice')).roles).toEqual(['get-authors']);
  });
});
