// Opens the database: postgres.js when DATABASE_URL is set, an in-process PGlite otherwise.
// Both are wrapped in the same drizzle API, so repositories never know which one they run on;
// `readRows` is the one driver-level door, for a hot statement run prepared (the author list and
// create, the audit batch) that maps its rows itself.
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { DrizzleQueryError, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { Config } from '../config';
import { findUp } from '../find-up';
import * as schema from './schema';

export type AppDatabase = PgDatabase<PgQueryResultHKT, typeof schema>;

/** SQL text with `$n` parameters, built once (drizzle's `.toSQL()`), and one call's values. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** A row as the driver returns it: the values in select order (a timestamp may be text or a Date). */
export type RawRow = unknown[];

export interface Database {
  readonly db: AppDatabase;
  readonly driver: 'postgres' | 'pglite';
  /**
   * Runs a statement as a server-side prepared statement and returns the driver's rows as arrays,
   * skipping drizzle's per-row mapping (see authors-repository.ts for why). Fails with a
   * DrizzleQueryError, like any query through `db`.
   */
  readRows(statement: Statement): Promise<RawRow[]>;
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
    readRows: (statement) =>
      queryError(statement, () => client.unsafe(statement.sql, statement.params as never[], { prepare: true }).values()),
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
    readRows: (statement) =>
      queryError(statement, async () => (await client.query<RawRow>(statement.sql, statement.params, { rowMode: 'array' })).rows),
    ping: async () => void (await db.execute(sql`SELECT 1`)),
    close: () => client.close(),
  };
}

/** The driver's error wrapped as drizzle wraps it, so logs and error metrics read the same whichever path failed. */
async function queryError<T>(statement: Statement, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    throw new DrizzleQueryError(statement.sql, statement.params, cause instanceof Error ? cause : undefined);
  }
}

/** `drizzle/` sits at the repository root, above this file (source or built bundle). */
function findMigrationsFolder(): string {
  const folder = findUp(import.meta.url, 'drizzle', join('meta', '_journal.json'));
  if (!folder) throw new Error('Cannot find the drizzle/ migrations folder');
  return folder;
}
