// Two real server processes: A is the embedded issuer, B runs in OIDC mode with A as its provider.
// Logging in through B works, each accepts the other's tokens, and with A gone B answers
// UNAUTHORIZED / BAD_GATEWAY instead of crashing.
import { createClient, type AuthorsClient } from '@authors/client';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnServer, type ServerProcess } from './helpers/process';
import { startTestServer } from './helpers/server';
import { createTestDatabase, hasPostgres } from './helpers/services';
import { nowSeconds, sign } from './helpers/tokens';

describe.skipIf(!hasPostgres)('OIDC mode against another instance’s embedded issuer', () => {
  const disposables: AsyncDisposable[] = [];
  let a: ServerProcess;
  let b: ServerProcess;
  let issuer: string;
  const client = (server: ServerProcess, token?: string): AuthorsClient => createClient({ url: server.url, token });

  beforeAll(async () => {
    const [databaseA, databaseB, port] = await Promise.all([createTestDatabase(), createTestDatabase(), freePort()]);
    disposables.push(databaseA, databaseB);
    // B reaches A at 127.0.0.1, so A's issuer (its PUBLIC_URL) must say 127.0.0.1 too.
    issuer = `http://127.0.0.1:${port}/realms/authors`;
    a = await spawnServer({ DATABASE_URL: databaseA.url, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    disposables.push(a);
    b = await spawnServer({ DATABASE_URL: databaseB.url, OIDC_ISSUER_URL: issuer });
    disposables.push(b);
  }, 90_000); // two processes start one after the other
  afterAll(async () => {
    for (const resource of disposables.reverse()) await resource[Symbol.asyncDispose]();
  });

  it('logs in through B; B and A both accept the token', async () => {
    const tokens = await client(b).auth.login.mutate({ username: 'writer', password: 'writer' });
    const expected = { sub: expect.any(String), username: 'writer', roles: ['get-authors', 'create-author', 'update-author', 'delete-author'] };
    expect(await client(b, tokens.access_token).auth.me.query()).toEqual(expected);
    expect(await client(a, tokens.access_token).auth.me.query()).toEqual(expected);
    const created = await client(b, tokens.access_token).authors.create.mutate({ name: 'Via B' });
    expect(created.name).toBe('Via B');
  });

  it('B accepts tokens A issued directly, with A’s roles', async () => {
    const { access_token } = await client(a).auth.login.mutate({ username: 'reader', password: 'reader' });
    expect((await client(b, access_token).auth.me.query()).roles).toEqual(['get-authors']);
    await expect(client(b, access_token).authors.create.mutate({ name: 'nope' })).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
    });
  });

  it('refreshes through B with rotation, and passes on A’s verdict on a wrong password', async () => {
    const first = await client(b).auth.login.mutate({ username: 'reader', password: 'reader' });
    const second = await client(b).auth.refresh.mutate({ refresh_token: first.refresh_token });
    expect((await client(b, second.access_token).auth.me.query()).username).toBe('reader');
    await expect(client(b).auth.refresh.mutate({ refresh_token: first.refresh_token })).rejects.toMatchObject({
      message: 'Refresh token already used; the session is revoked',
      data: { code: 'UNAUTHORIZED' },
    });
    await expect(client(b).auth.login.mutate({ username: 'reader', password: 'wrong' })).rejects.toMatchObject({
      message: 'Invalid user credentials',
      data: { code: 'UNAUTHORIZED', httpStatus: 401 },
    });
  });

  it('logout through B revokes the session at A too', async () => {
    const tokens = await client(b).auth.login.mutate({ username: 'reader', password: 'reader' });
    await client(b).auth.logout.mutate({ refresh_token: tokens.refresh_token });
    await expect(client(a).auth.refresh.mutate({ refresh_token: tokens.refresh_token })).rejects.toMatchObject({
      message: 'Invalid refresh token',
    });
  });

  it('with A stopped, B answers UNAUTHORIZED / BAD_GATEWAY and keeps running', async () => {
    const { access_token } = await client(b).auth.login.mutate({ username: 'reader', password: 'reader' });
    expect(await a.stop('SIGTERM')).toBe(0);

    await expect(client(b).auth.login.mutate({ username: 'reader', password: 'reader' })).rejects.toMatchObject({
      message: 'Identity provider unavailable: no answer',
      data: { code: 'BAD_GATEWAY', httpStatus: 502 },
    });
    // A key B has never seen is refused, whether B tries to re-fetch A's JWKS or is still in its cooldown.
    const { privateKey } = await generateKeyPair('RS256');
    const stranger = await sign(
      { iss: issuer, sub: 'x', typ: 'Bearer', exp: nowSeconds() + 60, realm_access: { roles: ['admin'] } },
      privateKey,
      { alg: 'RS256', kid: 'rotated-key' },
    );
    await expect(client(b, stranger).authors.list.query({})).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED', httpStatus: 401 },
    });
    // Tokens already verifiable with B's cached keys stay valid until they expire.
    expect((await client(b, access_token).auth.me.query()).username).toBe('reader');
    expect((await fetch(`${b.url}/health`)).status).toBe(200);
    expect(b.child.exitCode).toBeNull();
  });
});

describe.skipIf(!hasPostgres)('OIDC mode with the provider never reachable', () => {
  it('starts, refuses tokens with UNAUTHORIZED and logins with BAD_GATEWAY', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}/realms/authors`;
    await using server = await startTestServer({ driver: 'postgres', env: { OIDC_ISSUER_URL: issuer } });
    const { privateKey } = await generateKeyPair('RS256');
    const token = await sign({ iss: issuer, sub: 'x', exp: nowSeconds() + 60 }, privateKey, { alg: 'RS256', kid: 'k' });
    await expect(server.client(token).auth.me.query()).rejects.toMatchObject({
      message: 'Identity provider unavailable: no answer',
      data: { code: 'UNAUTHORIZED', httpStatus: 401 },
    });
    await expect(server.login('reader')).rejects.toMatchObject({ data: { code: 'BAD_GATEWAY', httpStatus: 502 } });
    // No embedded issuer in OIDC mode: its endpoints do not exist.
    expect((await fetch(`${server.url}/realms/authors/.well-known/openid-configuration`)).status).toBe(404);
  });
});
