// The embedded issuer's Keycloak-style HTTP endpoints: discovery, JWKS, the token endpoint
// (form-encoded password and refresh_token grants, OAuth2 error bodies) and revocation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHttpConnection } from './helpers/http';
import { startTestServer, type TestServer } from './helpers/server';
import { hasPostgres } from './helpers/services';

const REALM_PATH = '/realms/authors';
const OIDC_PATH = `${REALM_PATH}/protocol/openid-connect`;

describe.skipIf(!hasPostgres)('embedded OIDC endpoints', () => {
  let server: TestServer;
  let issuer: string;

  beforeAll(async () => {
    server = await startTestServer({ driver: 'postgres' });
    issuer = `http://localhost:${new URL(server.url).port}${REALM_PATH}`;
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  const post = (endpoint: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${OIDC_PATH}/${endpoint}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
    });
  const passwordGrant = (username: string, password: string, extra: Record<string, string> = {}) =>
    post('token', { grant_type: 'password', client_id: 'authors-app', username, password, ...extra });
  const refreshGrant = (refreshToken: string) =>
    post('token', { grant_type: 'refresh_token', client_id: 'authors-app', refresh_token: refreshToken });
  const expectOAuthError = async (response: Response, status: number, error: string, description: string) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ error, error_description: description });
  };

  it('serves the discovery document', async () => {
    const response = await fetch(`${server.url}${REALM_PATH}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      issuer,
      token_endpoint: `${issuer}/protocol/openid-connect/token`,
      jwks_uri: `${issuer}/protocol/openid-connect/certs`,
      revocation_endpoint: `${issuer}/protocol/openid-connect/revoke`,
      grant_types_supported: ['password', 'refresh_token'],
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      claims_supported: expect.arrayContaining(['preferred_username', 'realm_access', 'resource_access']),
    });
  });

  it('serves the public keys only', async () => {
    const response = await fetch(`${server.url}${OIDC_PATH}/certs`);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Array<Record<string, unknown>> };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toEqual({ kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: expect.any(String), alg: 'RS256', use: 'sig' });
  });

  it('password grant: tokens as Keycloak answers them, not cacheable', async () => {
    const response = await passwordGrant('reader', 'reader');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      expires_in: 300,
      refresh_expires_in: 1800,
      token_type: 'Bearer',
      'not-before-policy': 0,
      scope: 'openid profile',
    });
  });

  it('password grant with client_secret_basic', async () => {
    const basic = Buffer.from('authors-app:').toString('base64');
    const response = await post('token', { grant_type: 'password', username: 'reader', password: 'reader' }, { Authorization: `Basic ${basic}` });
    expect(response.status).toBe(200);
  });

  it('wrong password: 401 invalid_grant', async () => {
    await expectOAuthError(await passwordGrant('reader', 'nope'), 401, 'invalid_grant', 'Invalid user credentials');
  });

  it('refresh grant rotates; the old token then revokes the session', async () => {
    const first = (await (await passwordGrant('writer', 'writer')).json()) as { refresh_token: string };
    const second = await refreshGrant(first.refresh_token);
    expect(second.status).toBe(200);
    const { refresh_token } = (await second.json()) as { refresh_token: string };
    await expectOAuthError(await refreshGrant(first.refresh_token), 400, 'invalid_grant', 'Refresh token already used; the session is revoked');
    await expectOAuthError(await refreshGrant(refresh_token), 400, 'invalid_grant', 'Invalid refresh token');
  });

  it('revocation (RFC 7009) ends the session and accepts unknown tokens', async () => {
    const { refresh_token } = (await (await passwordGrant('reader', 'reader')).json()) as { refresh_token: string };
    const revoked = await post('revoke', { client_id: 'authors-app', token: refresh_token });
    expect(revoked.status).toBe(200);
    await expectOAuthError(await refreshGrant(refresh_token), 400, 'invalid_grant', 'Invalid refresh token');
    expect((await post('revoke', { client_id: 'authors-app', token: 'unknown' })).status).toBe(200);
  });

  it.each([
    ['an unsupported grant', { grant_type: 'client_credentials', client_id: 'authors-app' }, 400, 'unsupported_grant_type', 'Unsupported grant_type: client_credentials'],
    ['a missing grant_type', { client_id: 'authors-app' }, 400, 'invalid_request', 'Missing form parameter: grant_type'],
    ['a missing password', { grant_type: 'password', client_id: 'authors-app', username: 'reader' }, 400, 'invalid_request', 'Missing form parameter: password'],
    ['an unknown client', { grant_type: 'password', client_id: 'other', username: 'reader', password: 'reader' }, 401, 'invalid_client', 'Invalid client or Invalid client credentials'],
    ['no client', { grant_type: 'password', username: 'reader', password: 'reader' }, 401, 'invalid_client', 'Invalid client or Invalid client credentials'],
  ])('refuses %s', async (_, form, status, error, description) => {
    await expectOAuthError(await post('token', form), status, error, description);
  });

  it('refuses JSON bodies and other methods', async () => {
    const json = await fetch(`${server.url}${OIDC_PATH}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password' }),
    });
    await expectOAuthError(json, 400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    const get = await fetch(`${server.url}${OIDC_PATH}/token`);
    expect(get.headers.get('allow')).toBe('POST');
    await expectOAuthError(get, 405, 'invalid_request', 'Method GET not allowed');
  });

  it('refuses an oversized form with 413 and closes the connection; the next request is served', async () => {
    const http = openHttpConnection(server.url);
    try {
      const headers = { 'content-type': 'application/x-www-form-urlencoded' };
      const body = new URLSearchParams({ grant_type: 'password', client_id: 'authors-app', username: 'x'.repeat(20_000) }).toString();
      const refused = await http.request({ method: 'POST', path: `${OIDC_PATH}/token`, headers, body });
      expect(refused.status).toBe(413);
      expect(refused.headers['connection']).toBe('close');
      expect(refused.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(refused.body)).toEqual({ error: 'invalid_request', error_description: 'Request body too large' });
      const form = new URLSearchParams({ grant_type: 'password', client_id: 'authors-app', username: 'reader', password: 'reader' }).toString();
      const next = await http.request({ method: 'POST', path: `${OIDC_PATH}/token`, headers, body: form });
      expect(next.reusedSocket).toBe(false);
      expect(next.status).toBe(200);
    } finally {
      http.close();
    }
  });

  it('other realms and paths are 404', async () => {
    for (const path of ['/realms/other/.well-known/openid-configuration', `${OIDC_PATH}/userinfo`, REALM_PATH]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ detail: 'Not Found' });
    }
  });
});

describe.skipIf(!hasPostgres)('embedded token endpoint with a client secret', () => {
  it('requires the secret, by client_secret_post or client_secret_basic', async () => {
    await using server = await startTestServer({ driver: 'postgres', env: { OIDC_CLIENT_SECRET: 's3cret' } });
    const token = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${OIDC_PATH}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ grant_type: 'password', username: 'reader', password: 'reader', ...form }),
      });
    const missing = await token({ client_id: 'authors-app' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' });
    expect((await token({ client_id: 'authors-app', client_secret: 'wrong' })).status).toBe(401);
    expect((await token({ client_id: 'authors-app', client_secret: 's3cret' })).status).toBe(200);
    const basic = Buffer.from('authors-app:s3cret').toString('base64');
    expect((await token({}, { Authorization: `Basic ${basic}` })).status).toBe(200);
  });
});
