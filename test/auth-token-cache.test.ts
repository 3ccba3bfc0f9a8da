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

  // The cache skips moving the token used last (it is the last entry already); against a plain
  // least-recently-used list over random traffic, the same tokens must be verified at the same times.
  it('verifies exactly what a plain LRU list would, over random traffic', async () => {
    let seed = 42;
    // A linear congruential generator's high bits: the low ones repeat with short periods.
    const random = (below: number) => Math.floor((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 16) % below;
    const tokens = ['a', 'b', 'c', 'd', 'e', 'bad-x'];
    const maxEntries = 3;
    const maxAgeMs = 60_000;
    const expiresAt = NOW / 1000 + 90;
    let now = NOW;
    const { calls, verify } = countingVerifier(expiresAt);
    const cached = cacheVerifiedTokens(verify, { maxEntries, maxAgeMs, now: () => now });
    const modelCalls: string[] = [];
    let lru: { token: string; validUntil: number }[] = [];
    let last = 'a';
    for (let step = 0; step < 3_000; step++) {
      now += random(3) === 0 ? random(20_000) : 0;
      // Mostly the same token again, as a client repeating its own.
      const token = random(2) === 0 ? last : tokens[random(tokens.length)]!;
      last = token;
      await cached(token).catch(() => undefined);
      const entry = lru.find((held) => held.token === token);
      lru = lru.filter((held) => held !== entry);
      if (entry && now < entry.validUntil) {
        lru.push(entry);
        continue;
      }
      modelCalls.push(token);
      if (token.startsWith('bad')) continue;
      if (lru.length >= maxEntries) lru.shift();
      lru.push({ token, validUntil: Math.min(expiresAt * 1000, now + maxAgeMs) });
    }
    expect(calls).toEqual(modelCalls);
    expect(new Set(calls).size).toBe(tokens.length);
    expect(calls.length).toBeGreaterThan(100);
  });

  it('hands out frozen users', async () => {
    const cached = cacheVerifiedTokens(countingVerifier().verify, { now: () => NOW });
    const user = await cached('alice');
    expect(Object.isFrozen(user)).toBe(true);
    expect(() => user.roles.push('admin')).toThrow(TypeError);
    expect((await cached('alice')).roles).toEqual(['get-authors']);
  });
});
