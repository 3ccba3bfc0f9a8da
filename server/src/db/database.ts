// Opens the database: postgres.js when DATABASE_URL is set, an in-process PGlite otherwise.
// Both are wrapped in the same drizzle API, so repositories never know which one they run on.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { Config } from '../config';
import * as schema from './schema';

export type AppDatabase = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  readonly db: AppDatabase;
  readonly driver: 'postgres' | 'pglite';
  /** Resolves when the database answers `SELECT 1`, rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** An arbitrary constant: every instance takes this advisory lock while migrating, so they never race. */
const MIGRATION_LOCK_ID = 7_340_201;
const POOL_SIZE = 10;

/** Opens the configured database and applies pending migrations. */
export async function openDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'PGLITE_DIR'>,
): Promise<Database> {
  const migrationsFolder = findMigrationsFolder();
  return config.DATABASE_URL
    ? openPostgres(config.DATABASE_URL, migrationsFolder)
    : openPglite(config.PGLITE_DIR, migrationsFolder);
}

async function openPostgres(url: string, migrationsFolder: string): Promise<Database> {
  const options = { onnotice: () => {}, connect_timeout: 5 } as const;
  const migrator = postgres(url, { ...options, max: 1 });
  try {
    await migrator`SELECT pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await migratePostgres(drizzlePostgres(migrator), { migrationsFolder });
  } finally {
    await migrator.end({ timeout: 1 });
  }
  const client = postgres(url, { ...options, max: POOL_SIZE });
  const db = drizzlePostgres(client, { schema, casing: 'snake_case' });
  return {
    db,
    driver: 'postgres',
    ping: async () => void (await db.execute(sql`SELECT 1`)),
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string | undefined, migrationsFolder: string): Promise<Database> {
  const client = await PGlite.create({ dataDir, extensions: { pg_trgm } });
  const db = drizzlePglite(client, { schema, casing: 'snake_case' });
  await migratePglite(db, { migrationsFolder });
  return {
    db,
    driver: 'pglite',
    ping: async () => void (await db.execute(sql`SELECT 1`)),
    close: () => client.close(),
  };
}

/** `drizzle/` sits at the repository root; walk up from this file (source or built bundle) to find it. */
function findMigrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'drizzle');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the drizzle/ migrations folder');
    dir = parent;
  }
}
