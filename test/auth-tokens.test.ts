// Access-token verification: every hostile token is refused with UNAUTHORIZED (HTTP 401), never a
// 500, and a well-formed token minted with the server's key is accepted (so each refusal is due to
// the one defect the row introduces).
import { TRPCClientError } from '@authors/client';
import { decodeJwt, exportSPKI, generateKeyPair, importJWK, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server';
import { hasPostgres } from './helpers/services';
import { base64url, nowSeconds, serverSigningKey, sign, tamper, type ServerKey } from './helpers/tokens';

const AUDIENCE = 'authors-api';

describe.skipIf(!hasPostgres)('access tokens', () => {
  let server: TestServer;
  let key: ServerKey;
  let issuer: string;
  let readerToken: string;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'postgres', env: { OIDC_AUDIENCE: AUDIENCE } });
    key = await serverSigningKey(server.app);
    readerToken = (await server.login('reader')).access_token;
    issuer = decodeJwt(readerToken).iss!;
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  /** Claims of a valid access token for `reader`, per the embedded issuer's layout. */
  const validClaims = () => ({
    ...decodeJwt(readerToken),
    iat: nowSeconds(),
    exp: nowSeconds() + 300,
  });
  const signed = (claims: JWTPayload, header: { alg?: string; kid?: string } = {}, signingKey: CryptoKey | Uint8Array = key.privateKey) =>
    sign(claims, signingKey, { alg: 'RS256', kid: key.kid, ...header });

  async function rejection(token: string | undefined): Promise<{ code: unknown; status: unknown; message: string }> {
    try {
      await server.client(token).auth.me.query();
    } catch (error) {
      if (!(error instanceof TRPCClientError)) throw error;
      const data = error.data as { code: string; httpStatus: number };
      return { code: data.code, status: data.httpStatus, message: error.message };
    }
    throw new Error('the token was accepted');
  }

  it('the issuer and claims are Keycloak-shaped', () => {
    const claims = decodeJwt(readerToken);
    expect(issuer).toBe(`http://localhost:${new URL(server.url).port}/realms/authors`);
    expect(claims).toMatchObject({
      typ: 'Bearer',
      azp: 'authors-app',
      aud: ['authors-app', AUDIENCE],
      preferred_username: 'reader',
      realm_access: { roles: ['get-authors'] },
      scope: 'openid profile',
    });
    expect(claims.sid).toEqual(expect.any(String));
    expect(claims.exp! - claims.iat!).toBe(300);
  });

  it('accepts a token minted with the server key and valid claims (control)', async () => {
    const me = await server.client(await signed(validClaims())).auth.me.query();
    expect(me).toEqual({ sub: decodeJwt(readerToken).sub, username: 'reader', roles: ['get-authors'] });
  });

  it('takes roles from realm_access and this client’s resource_access, not other clients’', async () => {
    const token = await signed({
      ...validClaims(),
      realm_access: { roles: ['get-authors'] },
      resource_access: { 'authors-app': { roles: ['create-author', 'get-authors'] }, other: { roles: ['admin'] } },
    });
    expect((await server.client(token).auth.me.query()).roles).toEqual(['get-authors', 'create-author']);
  });

  const hostile: Array<[string, () => Promise<string | undefined>, string]> = [
    ['no token', async () => undefined, 'Authentication required'],
    ['garbage', async () => 'garbage', 'Invalid token: malformed'],
    ['three garbage segments', async () => 'abc.def.ghi', 'Invalid token: malformed'],
    [
      'alg: none',
      async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(validClaims())}.`,
      'Invalid token: signing algorithm not allowed',
    ],
    [
      'HS256 signed with the public key',
      async () => {
        const pem = await exportSPKI((await importJWK(key.publicJwk, 'RS256', { extractable: true })) as CryptoKey);
        return signed(validClaims(), { alg: 'HS256' }, new TextEncoder().encode(pem));
      },
      'Invalid token: signing algorithm not allowed',
    ],
    [
      'tampered payload (reader grants itself admin)',
      async () => tamper(readerToken, (claims) => ({ ...claims, realm_access: { roles: ['admin'] } })),
      'Invalid token: bad signature',
    ],
    [
      'wrong issuer',
      async () => signed({ ...validClaims(), iss: 'http://evil.example/realms/authors' }),
      'Invalid token: unexpected "iss" claim value',
    ],
    ['wrong audience', async () => signed({ ...validClaims(), aud: 'someone-else' }), 'Invalid token: unexpected "aud" claim value'],
    ['expired', async () => signed({ ...validClaims(), exp: nowSeconds() - 120 }), 'Token expired'],
    [
      'nbf in the future',
      async () => signed({ ...validClaims(), nbf: nowSeconds() + 600 }),
      'Invalid token: "nbf" claim timestamp check failed',
    ],
    ['unknown kid', async () => signed(validClaims(), { kid: 'no-such-key' }), 'Invalid token: unknown signing key'],
    [
      'another key pair under the real kid',
      async () => signed(validClaims(), {}, (await generateKeyPair('RS256')).privateKey),
      'Invalid token: bad signature',
    ],
    // A refresh token is addressed to the issuer, so the audience check catches it first…
    [
      'a refresh token used as an access token',
      async () => (await server.login('reader')).refresh_token,
      'Invalid token: unexpected "aud" claim value',
    ],
    // …and without an audience configured its `typ` does.
    ['typ Refresh with a valid audience', async () => signed({ ...validClaims(), typ: 'Refresh' }), 'Invalid token: not an access token'],
    ['no exp', async () => signed({ ...validClaims(), exp: undefined }), 'Invalid token: missing required "exp" claim'],
  ];

  it.each(hostile)('refuses %s with UNAUTHORIZED', async (_, make, message) => {
    expect(await rejection(await make())).toEqual({ code: 'UNAUTHORIZED', status: 401, message });
  });

  it('refuses a hostile token on an author procedure with UNAUTHORIZED, not FORBIDDEN', async () => {
    const token = tamper(readerToken, (claims) => ({ ...claims, realm_access: { roles: ['create-author'] } }));
    await expect(server.client(token).authors.create.mutate({ name: 'forged' })).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED', httpStatus: 401 },
    });
  });

  it('answers 401 over plain HTTP for a non-Bearer scheme and a bare bad token', async () => {
    for (const authorization of ['Basic cmVhZGVyOnJlYWRlcg==', 'Bearer', 'Bearer not-a-jwt']) {
      const response = await fetch(`${server.url}/trpc/auth.me`, { headers: { authorization } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({
        error: { json: { message: 'Invalid token: malformed', data: { code: 'UNAUTHORIZED', httpStatus: 401 } } },
      });
    }
  });

  it('authenticate() is the one verifier: tolerates a Bearer prefix, rejects only with AuthError', async () => {
    const { auth } = server.app.services;
    const { sub, exp } = decodeJwt(readerToken);
    // The clock tolerance is part of when this server stops accepting the token.
    const user = { sub, username: 'reader', roles: ['get-authors'], expiresAt: exp! + 30 };
    expect(await auth.authenticate(readerToken)).toEqual(user);
    expect(await auth.authenticate(`Bearer ${readerToken}`)).toEqual(user);
    await expect(auth.authenticate('')).rejects.toMatchObject({ name: 'AuthError', kind: 'invalid_token' });
    await expect(auth.authenticate('x.y.z')).rejects.toMatchObject({ name: 'AuthError', kind: 'invalid_token' });
  });
});
