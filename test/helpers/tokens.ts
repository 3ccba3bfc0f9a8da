// Hand-made JWTs for auth tests: signed with the server's own key (read from its database) or a
// stranger's, with any claims and header the test needs.
import { decodeJwt, importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { asc } from 'drizzle-orm';
import type { App } from '@authors/server';
import { signingKeys } from '../../server/src/db/schema';

export interface ServerKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** The key the server signs with (its oldest stored key). */
export async function serverSigningKey(app: App): Promise<ServerKey> {
  const [row] = await app.database.db.select().from(signingKeys).orderBy(asc(signingKeys.created_at)).limit(1);
  if (!row) throw new Error('the server has no signing key');
  return {
    kid: row.kid,
    privateKey: (await importJWK(row.private_jwk as JWK, row.algorithm)) as CryptoKey,
    publicJwk: row.public_jwk as JWK,
  };
}

export async function sign(
  claims: JWTPayload,
  key: CryptoKey | Uint8Array,
  header: { alg: string; kid?: string },
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ typ: 'JWT', ...header }).sign(key);
}

export const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with its payload replaced and the original signature kept. */
export function tamper(token: string, change: (claims: JWTPayload) => JWTPayload): string {
  const [header, , signature] = token.split('.');
  return `${header}.${base64url(change(decodeJwt(token)))}.${signature}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
