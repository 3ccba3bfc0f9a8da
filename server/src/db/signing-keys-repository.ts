// Key pairs of the embedded issuer, kept in the database so that a restart or another instance
// signs and verifies with the same keys.
import { asc, sql } from 'drizzle-orm';
import type { JWK } from 'jose';
import type { AppDatabase } from './database';
import { signingKeys } from './schema';

export interface StoredSigningKey {
  kid: string;
  algorithm: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export interface SigningKeysRepository {
  /** Every stored key, oldest first. */
  list(): Promise<StoredSigningKey[]>;
  /**
   * The stored keys; when there are none, stores the one `generate` makes first. Instances that
   * start together serialise on an advisory lock, so they all end up with the same single key.
   */
  listOrCreate(generate: () => Promise<StoredSigningKey>): Promise<StoredSigningKey[]>;
}

/** An arbitrary constant, distinct from the migration lock. */
const KEY_CREATION_LOCK_ID = 7_340_202;

type Row = typeof signingKeys.$inferSelect;

const toKey = (row: Row): StoredSigningKey => ({
  kid: row.kid,
  algorithm: row.algorithm,
  privateJwk: row.private_jwk as JWK,
  publicJwk: row.public_jwk as JWK,
});

export function createSigningKeysRepository(db: AppDatabase): SigningKeysRepository {
  const list = async (executor: Pick<AppDatabase, 'select'> = db) =>
    (await executor.select().from(signingKeys).orderBy(asc(signingKeys.created_at), asc(signingKeys.kid))).map(toKey);
  return {
    list: () => list(),
    async listOrCreate(generate) {
      const existing = await list();
      if (existing.length > 0) return existing;
      return db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_advisory_xact_lock(${KEY_CREATION_LOCK_ID})`);
        const locked = await list(tx);
        if (locked.length > 0) return locked;
        const key = await generate();
        await tx.insert(signingKeys).values({
          kid: key.kid,
          algorithm: key.algorithm,
          private_jwk: key.privateJwk,
          public_jwk: key.publicJwk,
        });
        return [key];
      });
    },
  };
}
