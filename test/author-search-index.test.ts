// The trigram index behind `name ILIKE '%…%'` under a burst of creates, on real PostgreSQL: the
// index keeps a pending list of at most 64 kB (cheaper inserts), so after the burst every search
// still goes through the index, sees every new row, and has at most a few pages of list to scan.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorRepository, type AuthorRepository } from '../server/src/db/authors-repository';
import { openDatabase, type Database } from '../server/src/db/database';
import { createTestDatabase, hasPostgres } from './helpers/services';

/** Pages of 8 kB a 64 kB pending list may reach: PostgreSQL merges it once it holds more than 64 kB. */
const MAX_PENDING_PAGES = 9;
const BURST = 3_000;

describe.skipIf(!hasPostgres)('author search index under a burst of creates', () => {
  let testDatabase: Awaited<ReturnType<typeof createTestDatabase>>;
  let database: Database;
  let authors: AuthorRepository;
  let sql: postgres.Sql;

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = await openDatabase({ DATABASE_URL: testDatabase.url, PGLITE_DIR: undefined });
    authors = createAuthorRepository(database);
    sql = postgres(testDatabase.url, { max: 1, onnotice: () => {} });
    await sql`CREATE EXTENSION pgstattuple`;
    await sql`INSERT INTO author (name) SELECT 'Seeded Author ' || i FROM generate_series(1, 10000) AS i`;
    await sql`VACUUM ANALYZE author`;
    // The burst: 20 writers at once, one name in ten a John.
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let i = next++; i < BURST; i = next++) await authors.create(`${i % 10 === 0 ? 'John' : 'Ada'} Burst ${i}`);
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await sql?.end();
    await database?.close();
    await testDatabase?.[Symbol.asyncDispose]();
  });

  it('is declared with a 64 kB pending list', async () => {
    const [index] = await sql<{ reloptions: string[] }[]>`SELECT reloptions FROM pg_class WHERE relname = 'author_name_trgm_idx'`;
    expect(index?.reloptions).toEqual(['fastupdate=true', 'gin_pending_list_limit=64']);
  });

  it('keeps the pending list within 64 kB', async () => {
    const [stats] = await sql<{ pending_pages: number; pending_tuples: string }[]>`SELECT * FROM pgstatginindex('author_name_trgm_idx')`;
    expect(stats!.pending_pages).toBeLessThanOrEqual(MAX_PENDING_PAGES);
  });

  it('finds every new row through the index', async () => {
    const found = await authors.list({ nameContains: 'john' });
    const expected = Array.from({ length: BURST / 10 }, (_, i) => `John Burst ${i * 10}`);
    expect(found.map((author) => author.name).sort()).toEqual(expected.sort());
    const ids = found.map((author) => author.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const plan = (await sql.unsafe(`EXPLAIN SELECT id FROM author WHERE name ILIKE '%john%' ORDER BY id`)).map((row) => String(row['QUERY PLAN']));
    expect(plan.join('\n')).toContain('Bitmap Index Scan on author_name_trgm_idx');
  });
});

