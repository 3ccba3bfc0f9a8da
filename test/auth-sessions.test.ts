// Sessions on both stores: login, refresh-token rotation with reuse detection, logout, restarts and
// a second instance. Access tokens are stateless until `exp` (DESIGN §12); refresh tokens are not.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server';
import { createTestDatabase, hasPostgres, hasRedis, REDIS_URL, uniqueRedisPrefix } from './helpers/services';

const stores = [
  { store: 'memory', available: true },
  { store: 'redis', available: hasRedis },
] as const;

const PUBLIC_URL = 'http://authors.test';

describe.each(stores)('sessions in $store', ({ store, available }) => {
  const stateEnv = (): Record<string, string> =>
    store === 'redis' ? { REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix() } : {};

  describe.skipIf(!hasPostgres || !available)('one server', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ driver: 'postgres', env: stateEnv() });
    });
    afterAll(() => server?.[Symbol.asyncDispose]());

    const refresh = (token: string) => server.client().auth.refresh.mutate({ refresh_token: token });
    const unauthorized = (message: string) => ({ message, data: { code: 'UNAUTHORIZED', httpStatus: 401 } });

    it('login answers the OAuth2 token response', async () => {
      const tokens = await server.login('reader');
      expect(tokens).toEqual({
        access_token: expect.any(String),
        refresh_token: expect.any(String),
        expires_in: 300,
        refresh_expires_in: 1800,
        token_type: 'Bearer',
      });
      const refreshClaims = decodeJwt(tokens.refresh_token);
      expect(refreshClaims).toMatchObject({ typ: 'Refresh', azp: 'authors-app', sid: decodeJwt(tokens.access_token).sid });
      expect(refreshClaims.exp! - refreshClaims.iat!).toBe(1800);
    });

    it('refuses a wrong password and an unknown user alike', async () => {
      await expect(server.login('reader', 'wrong')).rejects.toMatchObject(unauthorized('Invalid user credentials'));
      await expect(server.login('ghost', 'ghost')).rejects.toMatchObject(unauthorized('Invalid user credentials'));
    });

    it('refresh rotates: new tokens work, the old refresh token is refused and its reuse revokes the session', async () => {
      const first = await server.login('writer');
      const second = await refresh(first.refresh_token);
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(decodeJwt(second.access_token).sid).toBe(decodeJwt(first.access_token).sid);
      expect((await server.client(second.access_token).auth.me.query()).username).toBe('writer');

      await expect(refresh(first.refresh_token)).rejects.toMatchObject(
        unauthorized('Refresh token already used; the session is revoked'),
      );
      // The reuse revoked the whole session: the legitimate newest token is dead too.
      await expect(refresh(second.refresh_token)).rejects.toMatchObject(unauthorized('Invalid refresh token'));
    });

    it('a chain of refreshes keeps working', async () => {
      let tokens = await server.login('reader');
      for (let i = 0; i < 3; i++) tokens = await refresh(tokens.refresh_token);
      expect((await server.client(tokens.access_token).auth.me.query()).username).toBe('reader');
    });

    it('two concurrent refreshes with one token: exactly one wins, and the session is revoked', async () => {
      const { refresh_token } = await server.login('reader');
      const results = await Promise.allSettled([refresh(refresh_token), refresh(refresh_token)]);
      expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      const winner = results.find((result) => result.status === 'fulfilled')!;
      await expect(refresh(winner.value.refresh_token)).rejects.toMatchObject(unauthorized('Invalid refresh token'));
    });

    it('logout revokes the session; logging out again is not an error', async () => {
      const tokens = await server.login('reader');
      await server.client().auth.logout.mutate({ refresh_token: tokens.refresh_token });
      await expect(refresh(tokens.refresh_token)).rejects.toMatchObject(unauthorized('Invalid refresh token'));
      await expect(server.client().auth.logout.mutate({ refresh_token: tokens.refresh_token })).resolves.toBeUndefined();
      // Access tokens are stateless until they expire (kept short by ACCESS_TOKEN_TTL).
      expect((await server.client(tokens.access_token).auth.me.query()).username).toBe('reader');
    });

    it('refuses refresh tokens it never issued', async () => {
      await expect(refresh('not-a-token')).rejects.toMatchObject(unauthorized('Invalid refresh token'));
      const { access_token } = await server.login('reader');
      await expect(refresh(access_token)).rejects.toMatchObject(unauthorized('Invalid refresh token'));
    });

    it('rejects malformed input as BAD_REQUEST', async () => {
      await expect(server.client().auth.login.mutate({ username: '', password: 'x' })).rejects.toMatchObject({
        data: { code: 'BAD_REQUEST', httpStatus: 400 },
      });
      await expect(server.client().auth.refresh.mutate({ refresh_token: '' })).rejects.toMatchObject({
        data: { code: 'BAD_REQUEST' },
      });
    });
  });

  describe.skipIf(!hasPostgres || !available)('restarts and instances', () => {
    it('tokens keep working after a restart; refresh does too when sessions are shared', async () => {
      await using database = await createTestDatabase();
      const env = { DATABASE_URL: database.url, PUBLIC_URL, ...stateEnv() };
      let tokens;
      {
        await using before = await startTestServer({ env });
        tokens = await before.login('writer');
      }
      await using after = await startTestServer({ env });
      expect((await after.client(tokens.access_token).auth.me.query()).username).toBe('writer');
      const refreshed = after.client().auth.refresh.mutate({ refresh_token: tokens.refresh_token });
      if (store === 'redis') expect((await refreshed).token_type).toBe('Bearer');
      else await expect(refreshed).rejects.toMatchObject({ message: 'Invalid refresh token' });
    });

    it('a second instance accepts the first one’s tokens', async () => {
      await using database = await createTestDatabase();
      const env = { DATABASE_URL: database.url, PUBLIC_URL, ...stateEnv() };
      await using one = await startTestServer({ env });
      await using two = await startTestServer({ env });
      const tokens = await one.login('reader');
      expect((await two.client(tokens.access_token).auth.me.query()).username).toBe('reader');
      if (store === 'redis') {
        const rotated = await two.client().auth.refresh.mutate({ refresh_token: tokens.refresh_token });
        await expect(one.client().auth.refresh.mutate({ refresh_token: tokens.refresh_token })).rejects.toMatchObject({
          message: 'Refresh token already used; the session is revoked',
        });
        await expect(one.client().auth.refresh.mutate({ refresh_token: rotated.refresh_token })).rejects.toMatchObject({
          message: 'Invalid refresh token',
        });
      }
    });
  });
});
