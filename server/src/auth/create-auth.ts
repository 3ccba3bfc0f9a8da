// Builds the auth service for the configured mode: embedded issuer (default) or remote OIDC provider.
import type { JSONWebKeySet } from 'jose';
import type { Config } from '../config';
import type { AppDatabase } from '../db/database';
import { createSigningKeysRepository } from '../db/signing-keys-repository';
import { createUsersRepository } from '../db/users-repository';
import type { Logger } from '../observability/logger';
import type { Redis } from '../state/redis';
import { createSessionStore } from '../state/sessions';
import { createAuthService, type AuthService } from './auth-service';
import { refuseDevUsers, seedDevUsers } from './dev-users';
import { createEmbeddedIssuer } from './embedded-issuer';
import type { IdentityProvider } from './identity-provider';
import { createOidcProvider } from './oidc-provider';
import { loadSigningKeys } from './signing-keys';
import { createAccessTokenVerifier } from './token-verifier';
import { cacheVerifiedTokens } from './verified-token-cache';

/** What the embedded issuer's HTTP endpoints publish. */
export interface EmbeddedIssuerInfo {
  issuer(): string;
  jwks(): JSONWebKeySet;
}

export interface Auth {
  service: AuthService;
  /** Present in embedded mode only. */
  embedded: EmbeddedIssuerInfo | undefined;
}

export interface AuthDependencies {
  config: Config;
  db: AppDatabase;
  redis: Redis | undefined;
  logger: Logger;
  /** This server's public base URL; a function because with port 0 it is known only once listening. */
  publicUrl: () => string;
}

export async function createAuth({ config, db, redis, logger, publicUrl }: AuthDependencies): Promise<Auth> {
  let provider: IdentityProvider;
  let embedded: EmbeddedIssuerInfo | undefined;
  if (config.OIDC_ISSUER_URL) {
    provider = createOidcProvider({
      issuerUrl: config.OIDC_ISSUER_URL,
      clientId: config.OIDC_CLIENT_ID,
      clientSecret: config.OIDC_CLIENT_SECRET,
      refreshTokenTtl: config.REFRESH_TOKEN_TTL,
    });
  } else {
    const users = createUsersRepository(db);
    if (config.NODE_ENV === 'production') await refuseDevUsers(users);
    else await seedDevUsers(users);
    const keys = await loadSigningKeys(createSigningKeysRepository(db));
    const issuer = () => `${publicUrl()}/realms/${config.OIDC_REALM}`;
    provider = createEmbeddedIssuer({
      issuer,
      users,
      keys,
      clientId: config.OIDC_CLIENT_ID,
      audience: config.OIDC_AUDIENCE,
      accessTokenTtl: config.ACCESS_TOKEN_TTL,
      refreshTokenTtl: config.REFRESH_TOKEN_TTL,
    });
    embedded = { issuer, jwks: () => keys.jwks };
  }
  const verify = cacheVerifiedTokens(
    createAccessTokenVerifier({
      issuer: provider.issuer,
      keys: provider.keys,
      clientId: config.OIDC_CLIENT_ID,
      audience: config.OIDC_AUDIENCE,
    }),
  );
  return {
    service: createAuthService({ provider, verify, sessions: createSessionStore(redis), logger }),
    embedded,
  };
}
