// The embedded issuer's Keycloak-style endpoints, so one server can be another's OIDC provider:
//   /realms/<realm>/.well-known/openid-configuration    discovery
//   /realms/<realm>/protocol/openid-connect/certs       JWKS
//   /realms/<realm>/protocol/openid-connect/token       password and refresh_token grants (form-encoded)
//   /realms/<realm>/protocol/openid-connect/revoke      RFC 7009 revocation (logout)
// Grants go through the auth procedures, so they get the same sessions, limits and audit as auth.login.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { JSONWebKeySet } from 'jose';
import type { AppRouter } from '../routers';
import type { Context } from '../trpc/context';
import { INTERNAL_ERROR_MESSAGE } from '../trpc/error-policy';
import { sendJson, sendPayloadTooLarge } from './http-response';
import { BodyTooLargeError, readBody } from './request-body';

export interface OidcEndpointsOptions {
  realm: string;
  /** `<public url>/realms/<realm>`. */
  issuer(): string;
  jwks(): JSONWebKeySet;
  clientId: string;
  clientSecret: string | undefined;
  router: AppRouter;
  createContext(req: IncomingMessage): Promise<Context>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Token requests are a few short fields; anything bigger is not one. */
const MAX_FORM_BYTES = 16 * 1024;

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

function sendOAuth(res: ServerResponse, status: number, body: unknown): void {
  // RFC 6749 §5.1: token responses must not be cached.
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  if (status === 413) sendPayloadTooLarge(res, body);
  else sendJson(res, status, body);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new OAuthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  }
  try {
    return new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString('utf8'));
  } catch (error) {
    // Stop reading; the 413 answer closes the connection (see sendPayloadTooLarge).
    throw error instanceof BodyTooLargeError ? new OAuthError(413, 'invalid_request', 'Request body too large') : error;
  }
}

function required(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (!value) throw new OAuthError(400, 'invalid_request', `Missing form parameter: ${name}`);
  return value;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Client authentication: `client_secret_basic` or `client_secret_post`; the secret only when one is configured. */
function authenticateClient(req: IncomingMessage, form: URLSearchParams, options: OidcEndpointsOptions): void {
  let id = form.get('client_id');
  let secret = form.get('client_secret');
  const basic = /^basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const [rawId = '', rawSecret = ''] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':', 2);
    id = decodeURIComponent(rawId);
    secret = decodeURIComponent(rawSecret);
  }
  const secretOk =
    options.clientSecret === undefined || timingSafeEqual(digest(secret ?? ''), digest(options.clientSecret));
  if (id !== options.clientId || !secretOk) {
    throw new OAuthError(401, 'invalid_client', 'Invalid client or Invalid client credentials');
  }
}

/** A procedure's error as an OAuth2 error body (Keycloak's wording where it has one). */
function fromProcedureError(error: unknown, grantType: string): OAuthError {
  const trpcError = error instanceof TRPCError ? error : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error });
  const status = getHTTPStatusCodeFromError(trpcError);
  switch (trpcError.code) {
    case 'UNAUTHORIZED':
      // Keycloak answers a wrong password with 401 and a bad refresh token with 400.
      return new OAuthError(grantType === 'password' ? 401 : 400, 'invalid_grant', trpcError.message);
    case 'BAD_REQUEST':
      return new OAuthError(400, 'invalid_request', trpcError.message);
    case 'INTERNAL_SERVER_ERROR':
      return new OAuthError(500, 'server_error', INTERNAL_ERROR_MESSAGE);
    default:
      return new OAuthError(status, 'temporarily_unavailable', trpcError.message);
  }
}

export function createOidcEndpoints(options: OidcEndpointsOptions): (path: string) => Handler | undefined {
  const endpoint = (name: string) => `${options.issuer()}/protocol/openid-connect/${name}`;

  const discovery = async (_req: IncomingMessage, res: ServerResponse) =>
    sendJson(res, 200, {
      issuer: options.issuer(),
      token_endpoint: endpoint('token'),
      jwks_uri: endpoint('certs'),
      revocation_endpoint: endpoint('revoke'),
      grant_types_supported: ['password', 'refresh_token'],
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      claims_supported: [
        ...['iss', 'sub', 'aud', 'exp', 'iat', 'azp', 'sid', 'typ'],
        ...['preferred_username', 'realm_access', 'resource_access'],
      ],
    });

  const certs = async (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 200, options.jwks());

  const token = async (req: IncomingMessage, res: ServerResponse) => {
    const form = await readForm(req);
    authenticateClient(req, form, options);
    const grantType = required(form, 'grant_type');
    const caller = options.router.createCaller(await options.createContext(req));
    const grant = () => {
      switch (grantType) {
        case 'password':
          return caller.auth.login({ username: required(form, 'username'), password: required(form, 'password') });
        case 'refresh_token':
          return caller.auth.refresh({ refresh_token: required(form, 'refresh_token') });
        default:
          throw new OAuthError(400, 'unsupported_grant_type', `Unsupported grant_type: ${grantType}`);
      }
    };
    const tokens = await grant().catch((error: unknown) => {
      throw error instanceof OAuthError ? error : fromProcedureError(error, grantType);
    });
    sendOAuth(res, 200, { ...tokens, 'not-before-policy': 0, scope: 'openid profile' });
  };

  const revoke = async (req: IncomingMessage, res: ServerResponse) => {
    const form = await readForm(req);
    authenticateClient(req, form, options);
    const caller = options.router.createCaller(await options.createContext(req));
    // RFC 7009 §2.2: an unknown token is not an error.
    await caller.auth.logout({ refresh_token: required(form, 'token') }).catch((error: unknown) => {
      throw error instanceof OAuthError ? error : fromProcedureError(error, 'revoke');
    });
    sendOAuth(res, 200, {});
  };

  const routes: Record<string, { method: 'GET' | 'POST'; handle: Handler }> = {
    '/.well-known/openid-configuration': { method: 'GET', handle: discovery },
    '/protocol/openid-connect/certs': { method: 'GET', handle: certs },
    '/protocol/openid-connect/token': { method: 'POST', handle: token },
    '/protocol/openid-connect/revoke': { method: 'POST', handle: revoke },
  };
  const base = `/realms/${options.realm}`;

  return (path) => {
    const route = path.startsWith(`${base}/`) ? routes[path.slice(base.length)] : undefined;
    if (!route) return undefined;
    return async (req, res) => {
      try {
        if (req.method !== route.method) {
          res.setHeader('Allow', route.method);
          throw new OAuthError(405, 'invalid_request', `Method ${req.method} not allowed`);
        }
        await route.handle(req, res);
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        sendOAuth(res, error.status, { error: error.error, error_description: error.message });
      }
    };
  };
}
