// The embedded issuer's keys: loaded from the database (created on first start), so every
// instance and every restart signs and verifies with the same key pair.
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import type { SigningKeysRepository, StoredSigningKey } from '../db/signing-keys-repository';

/** Keycloak's default, understood by every OIDC client. */
export const SIGNING_ALGORITHM = 'RS256';

export interface SigningKeys {
  /** The key new tokens are signed with: the oldest stored one. */
  signing: { kid: string; algorithm: string; key: CryptoKey };
  /** Every stored public key, served at `…/certs`. */
  jwks: JSONWebKeySet;
  /** Verification key lookup over `jwks`, by `kid`. */
  keys: JWTVerifyGetKey;
}

async function generate(): Promise<StoredSigningKey> {
  const pair = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const tag = { kid, alg: SIGNING_ALGORITHM, use: 'sig' };
  return {
    kid,
    algorithm: SIGNING_ALGORITHM,
    privateJwk: { ...(await exportJWK(pair.privateKey)), ...tag },
    publicJwk: { ...publicJwk, ...tag },
  };
}

export async function loadSigningKeys(repository: SigningKeysRepository): Promise<SigningKeys> {
  const stored = await repository.listOrCreate(generate);
  const active = stored[0];
  if (!active) throw new Error('No signing key available');
  const jwks = { keys: stored.map((key) => key.publicJwk) };
  return {
    signing: {
      kid: active.kid,
      algorithm: active.algorithm,
      key: (await importJWK(active.privateJwk, active.algorithm)) as CryptoKey,
    },
    jwks,
    keys: createLocalJWKSet(jwks),
  };
}
