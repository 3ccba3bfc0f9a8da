// What a token must be, beyond its signature: `exp` and `nbf` hold with the documented 30 s clock
// tolerance everywhere a token's life is checked (the verifier, every call on a long-lived
// connection, the socket's own expiry), and — with no OIDC_AUDIENCE — `azp` or `aud` must name
// OIDC_CLIENT_ID, so a token the same realm issued to another client is refused; OIDC_AUDIENCE
// widens that to tokens whose `aud` names it. Every token here is really signed, with the issuing
// server's own key.
import { decodeJwt, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/process';
import { openRawTrpcSocket } from './helpers/raw-trpc-socket';
import { startTestServer, type TestServer } from './helpers/server';
import { hasPostgres } from './helpers/services';
import { nowSeconds, serverSigningKey, sign, type ServerKey } from './helpers/tokens';

/** What `auth.me` over tRPC-HTTP answers to `token`: the username, or the refusal's message. */
async function me(server: TestServer, token: string): Promise<string> {
  const response = await fetch(`${server.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { result?: { data: { json: { username: string } } }; error?: { json: { message: string } } };
  return body.result?.data.json.username ?? `${response.status} ${body.error?.json.message}`;
}

describe.skipIf(!hasPostgres)('token rules', () => {
  let issuer: TestServer;
  let key: ServerKey;
  let claims: JWTPayload;
  const signed = (change: JWTPayload) => sign({ ...claims, iat: nowSeconds(), exp: nowSeconds() + 300, ...change }, key.privateKey, { alg: 'RS256', kid: key.kid });

  beforeAll(async () => {
    // A fixed port, so that its issuer URL (`iss`) is reachable by the OIDC-mode servers below.
    const port = await freePort();
    issuer = await startTestServer({ driver: 'postgres', port, env: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
    key = await serverSigningKey(issuer.app);
    claims = decodeJwt((await issuer.login('reader')).access_token);
  });
  afterAll(() => issuer?.[Symbol.asyncDispose]());

  describe('exp and nbf, with 30 s of clock tolerance', () => {
    it.each([
      ['expired 20 s ago', 'reader', 'exp', -20],
      ['expired 40 s ago', '401 Token expired', 'exp', -40],
      ['valid from 20 s from now', 'reader', 'nbf', 20],
      ['valid from 40 s from now', '401 Invalid token: "nbf" claim timestamp check failed', 'nbf', 40],
    ])('a token %s → %s', async (_, answer, claim, offset) => {
      expect(await me(issuer, await signed({ [claim]: nowSeconds() + offset }))).toBe(answer);
    });

    it('a tRPC-WS socket opened with a token expired 27 s ago serves, and closes when the tolerance ends', async () => {
      // exp is a whole second: 27 s ago leaves 2–3 s of tolerance, time to answer a call even on a
      // loaded machine (29 s left 0–1 s, and the close sometimes beat the answer).
      const socket = await openRawTrpcSocket(issuer.url, await signed({ exp: nowSeconds() - 27 }));
      socket.socket.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'auth.me' } }));
      expect(await socket.closed).toEqual({ code: 4001, reason: 'Token expired' });
      // The close comes with tRPC's connection error frame, which makes a stock client back off.
      expect(socket.messages).toMatchObject([
        { id: 1, result: { type: 'data', data: { json: { username: 'reader' } } } },
        { id: null, error: { json: { message: 'Token expired', code: -32001, data: { code: 'UNAUTHORIZED' } } } },
      ]);
      expect(socket.messages).toHaveLength(2);
    });
  });

  describe('in OIDC mode: the token must be for this client', () => {
    let plain: TestServer;
    let widened: TestServer;

    beforeAll(async () => {
      const oidc = { OIDC_ISSUER_URL: claims.iss! };
      [plain, widened] = await Promise.all([
        startTestServer({ driver: 'postgres', env: oidc }),
        startTestServer({ driver: 'postgres', env: { ...oidc, OIDC_AUDIENCE: 'authors-api' } }),
      ]);
    });
    afterAll(async () => {
      await plain?.[Symbol.asyncDispose]();
      await widened?.[Symbol.asyncDispose]();
    });

    it.each([
      ['whose azp names this client (Keycloak: aud "account")', 'reader', { azp: 'authors-app', aud: 'account' }],
      ['whose aud names this client', 'reader', { azp: 'other-app', aud: ['account', 'authors-app'] }],
      ['issued to another client of the realm', '401 Invalid token: issued to another client', { azp: 'other-app', aud: 'account' }],
      ['naming no client at all', '401 Invalid token: issued to another client', { azp: undefined, aud: undefined }],
    ])('without OIDC_AUDIENCE, a token %s → %s', async (_, answer, change) => {
      expect(await me(plain, await signed(change))).toBe(answer);
    });

    it.each([
      ['whose aud names OIDC_AUDIENCE, whatever its azp', 'reader', { azp: 'other-app', aud: ['authors-api'] }],
      ['whose aud does not name it', '401 Invalid token: unexpected "aud" claim value', { azp: 'authors-app', aud: 'account' }],
    ])('with OIDC_AUDIENCE, a token %s → %s', async (_, answer, change) => {
      expect(await me(widened, await signed(change))).toBe(answer);
    });
  });
});
